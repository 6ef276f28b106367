"""Settings forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.i18n import LANGUAGE_NAMES, valid_timezone
from app.web.validators import max_length, required


def _timezone(form, field):
    if field.data and not valid_timezone(field.data):
        raise ValidationError(_l("Unknown timezone. Use a name like Asia/Almaty."))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[max_length(120)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()))
    timezone = StringField(_l("Timezone"), validators=[max_length(64), _timezone])


class WorkspaceForm(FlaskForm):
    name = StringField(_l("Workspace name"), validators=[required(), max_length(120)])
    timezone = StringField(_l("Timezone"), validators=[required(), max_length(64), _timezone])
    require_approval = BooleanField(_l("Posts by editors need an owner's approval"))


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[required(), max_length(120)])
    access = SelectField(
        _l("Access"),
        choices=[
            SelectChoice("read_write", _l("Read and write")),
            SelectChoice("read_only", _l("Read only")),
        ],
        default="read_write",
    )
    expires = SelectField(
        _l("Expires"),
        choices=[
            SelectChoice("0", _l("Never")),
            SelectChoice("7", _l("In 7 days")),
            SelectChoice("30", _l("In 30 days")),
            SelectChoice("90", _l("In 90 days")),
            SelectChoice("365", _l("In a year")),
        ],
        default="90",
    )
