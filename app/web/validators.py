"""Form validators with Kezek's own translated messages."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length


def required() -> DataRequired:
    """The field must be filled in."""
    return DataRequired(message=_l("This field is required."))


def max_length(n: int) -> Length:
    """At most `n` characters."""
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def length_between(lo: int, hi: int) -> Length:
    """Between `lo` and `hi` characters."""
    return Length(min=lo, max=hi, message=_l("From %(min)d to %(max)d characters.", min=lo, max=hi))
