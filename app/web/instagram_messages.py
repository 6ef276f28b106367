"""Localized texts for Instagram error keys and connection problems."""

from flask_babel import lazy_gettext as _l

from app.instagram import ErrorKind, InstagramError

BY_KEY = {
    "token_expired": _l("The Instagram access has expired. Reconnect the account."),
    "token_invalid": _l("Instagram no longer accepts this connection. Reconnect the account."),
    "token_unreadable": _l("The stored access cannot be read. Reconnect the account."),
    "password_changed": _l(
        "The Instagram password was changed, which ended the connection. Reconnect the account."
    ),
    "app_not_installed": _l("Kezek's access was removed in Instagram. Reconnect the account."),
    "permission_missing": _l(
        "A permission Kezek needs was not granted. Reconnect and allow every permission."
    ),
    "permission_denied": _l("Instagram refused this action for lack of permission."),
    "oauth_code_invalid": _l("The Instagram sign-in expired or was already used. Try again."),
    "oauth_redirect_mismatch": _l(
        "The redirect URL does not match the one registered with Meta. See the set-up check."
    ),
    "oauth_client_invalid": _l("The Instagram app id or secret is wrong. See the set-up check."),
    "media_url_unreachable": _l(
        "Instagram could not download the media file. Check that PUBLIC_BASE_URL is reachable "
        "from the internet."
    ),
    "quota_exceeded": _l("The account reached Instagram's daily publishing limit."),
    "aspect_ratio": _l("The image's aspect ratio is outside what Instagram accepts."),
    "image_format": _l("Instagram accepts only JPEG images here."),
}
BY_KIND = {
    ErrorKind.RETRY: _l("Instagram is not answering right now. Kezek will try again."),
    ErrorKind.RATE_LIMITED: _l("Instagram asked Kezek to slow down. Kezek will try again later."),
    ErrorKind.TOKEN_DEAD: _l("The Instagram connection stopped working. Reconnect the account."),
    ErrorKind.PERMISSION: _l("Instagram refused this action for lack of permission."),
    ErrorKind.BAD_INPUT: _l("Instagram refused the request as invalid."),
}
FALLBACK = _l("Instagram returned an error.")


def error_text(error: InstagramError | str) -> str:
    """A translated sentence for an InstagramError or a stored message key."""
    if isinstance(error, str):
        return str(BY_KEY.get(error, FALLBACK))
    return str(BY_KEY.get(error.message_key) or BY_KIND.get(error.kind) or FALLBACK)
