"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from app.web.validators import max_length, required


class NewUserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(64)])
    display_name = StringField(_l("Display name"), validators=[max_length(120)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(72)])
    is_admin = BooleanField(_l("Operator admin"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(), max_length(72)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""
