"""Localized texts for sign-in, identity and invitation error codes."""

from flask_babel import lazy_gettext as _l

from app.web.messages import user_error

IDENTITY_ERRORS = {
    "state_mismatch": _l("The sign-in could not be verified. Please try again."),
    "provider_failed": _l("The provider did not confirm the sign-in. Please try again."),
    "telegram_invalid": _l("Telegram's sign-in data could not be verified."),
    "telegram_stale": _l("This Telegram sign-in is too old. Please sign in again."),
    "identity_unknown": _l(
        "No Kezek user is linked to this account. Ask a workspace owner for an invitation."
    ),
    "user_disabled": _l("This user is disabled."),
    "identity_taken": _l("This account is already linked to another Kezek user."),
    "identity_not_found": _l("This sign-in method was not found."),
    "last_method": _l("You cannot remove your only way to sign in."),
    "invitation_invalid": _l("This invitation link is not valid. It may have been revoked."),
    "invitation_used": _l("This invitation has already been used."),
    "invitation_expired": _l("This invitation has expired. Ask for a new one."),
    "role_invalid": _l("Unknown role."),
    "email_invalid": _l("Enter a valid e-mail address."),
}


def identity_error(code: str) -> str:
    """The translated text for an identity, invitation or user error code."""
    text = IDENTITY_ERRORS.get(code)
    return str(text) if text is not None else user_error(code)
