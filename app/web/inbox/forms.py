"""Inbox forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField

from app.web.validators import max_length, required


class CommentReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply"), validators=[required(), max_length(2200)])


class PrivateReplyForm(FlaskForm):
    text = TextAreaField(_l("Private message"), validators=[required(), max_length(1000)])


class MessageForm(FlaskForm):
    text = TextAreaField(_l("Message"), validators=[max_length(1000)])
    media_item_id = SelectField(
        _l("Image from the media library"), choices=[], coerce=str, validate_choice=False
    )


class HideForm(FlaskForm):
    hidden = HiddenField()
