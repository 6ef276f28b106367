"""Localized texts for service error codes."""

from flask_babel import lazy_gettext as _l

USER_ERRORS = {
    "password_too_short": _l("The password must be at least 10 characters long."),
    "password_too_long": _l("The password must be at most 72 bytes long."),
    "username_invalid": _l(
        "Usernames are 3 to 64 characters: Latin letters, digits, dot, dash, underscore."
    ),
    "username_taken": _l("This username is already taken."),
    "workspace_name_invalid": _l("The workspace name must be 1 to 120 characters long."),
    "timezone_invalid": _l("Unknown timezone. Use a name like Asia/Almaty."),
    "last_admin": _l("You cannot disable or demote the last admin."),
}


def user_error(code: str) -> str:
    """The translated text for a UserError code."""
    return str(USER_ERRORS.get(code, code))
