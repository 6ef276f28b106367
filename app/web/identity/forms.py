"""Forms of invitations and sign-in methods."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo

from app.web.validators import length_between, max_length, required


class InvitationForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("viewer", _l("Viewer")),
            SelectChoice("editor", _l("Editor")),
            SelectChoice("owner", _l("Owner")),
        ],
        default="editor",
    )
    email = StringField(_l("E-mail (optional)"), validators=[max_length(254)])
    send_email = BooleanField(_l("Send the link by e-mail"))


class AcceptPasswordForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(64)])
    password = PasswordField(_l("Password"), validators=[required(), length_between(10, 72)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("Passwords differ."))],
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[required(), length_between(10, 72)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("Passwords differ."))],
    )
