"""Publishing forms (lists such as accounts and ordered media are read from the request)."""

from __future__ import annotations

from datetime import date, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.web.publishing.messages import TYPE_LABELS
from app.web.validators import max_length, required


def _date(form, field):
    if field.data:
        try:
            date.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(_l("Enter a date like 2026-12-31.")) from None


def _time(form, field):
    if field.data:
        try:
            time.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(_l("Enter a time like 14:30.")) from None


def _seconds(form, field):
    if field.data:
        try:
            value = float(field.data.replace(",", "."))
        except ValueError:
            raise ValidationError(_l("Enter a number of seconds, for example 2.5.")) from None
        if value < 0:
            raise ValidationError(_l("Enter a number of seconds, for example 2.5."))


class WhenMixin:
    day = StringField(_l("Date"), validators=[_date], render_kw={"type": "date"})
    at = StringField(_l("Time"), validators=[_time], render_kw={"type": "time"})


class ComposeForm(WhenMixin, FlaskForm):
    type = RadioField(
        _l("Post type"),
        choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
        default="image",
    )
    caption = TextAreaField(_l("Caption"), render_kw={"rows": 6})
    first_comment = TextAreaField(
        _l("First comment"), validators=[max_length(2200)], render_kw={"rows": 2}
    )
    collaborators = StringField(
        _l("Collaborators"), validators=[max_length(200)], render_kw={"placeholder": "@username"}
    )
    share_to_feed = BooleanField(_l("Also share the Reel to the feed"), default=True)
    thumb_offset = StringField(_l("Thumbnail frame at (seconds)"), validators=[_seconds])
    cover_media_id = SelectField(_l("Cover image"), choices=[], validate_choice=False)
    when = RadioField(
        _l("When"),
        choices=[
            SelectChoice("now", _l("Publish now")),
            SelectChoice("schedule", _l("Schedule")),
            SelectChoice("draft", _l("Save as draft")),
        ],
        default="schedule",
    )
    confirm_duplicates = BooleanField(_l("I know, publish it anyway"))


class EditForm(WhenMixin, FlaskForm):
    caption = TextAreaField(_l("Caption"), render_kw={"rows": 6})
    first_comment = TextAreaField(
        _l("First comment"), validators=[max_length(2200)], render_kw={"rows": 2}
    )
    collaborators = StringField(_l("Collaborators"), validators=[max_length(200)])


class SendBackForm(FlaskForm):
    comment = TextAreaField(_l("What should be changed"), validators=[required(), max_length(2000)])


class SnippetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(120)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("caption", _l("Caption snippet")),
            SelectChoice("hashtags", _l("Hashtag group")),
        ],
    )
    body = TextAreaField(
        _l("Text"), validators=[required(), max_length(2200)], render_kw={"rows": 3}
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})


def split_collaborators(raw: str | None) -> list[str]:
    """Usernames typed with commas or spaces, without '@'."""
    return [p.strip().lstrip("@") for p in (raw or "").replace(",", " ").split() if p.strip("@ ")]
