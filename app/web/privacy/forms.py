"""Privacy forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from app.web.validators import max_length


class DeleteAllForm(FlaskForm):
    """Confirm with the password (or, for users without one, by typing the username)."""

    password = PasswordField(_l("Your password"), validators=[max_length(72)])
    confirm = StringField(_l("Type the username to confirm"), validators=[max_length(64)])
