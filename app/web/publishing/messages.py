"""Localized texts of the publishing pages: import rows, snippets, warnings, labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.web.post_messages import post_error_text

TYPE_LABELS = {
    "image": _l("Image post"),
    "carousel": _l("Carousel"),
    "reel": _l("Reel"),
    "story": _l("Story"),
}

IMPORT_ERRORS = {
    "csv_empty": _l("The file has no rows to import."),
    "csv_too_large": _l("The file is larger than 2 MB."),
    "csv_not_text": _l("This is not a CSV text file."),
    "csv_columns_missing": _l("The first line must name the columns; missing: %(columns)s."),
    "csv_too_many_rows": _l("A file can have at most %(max)s rows."),
    "csv_date_invalid": _l(
        "The date “%(value)s” is not valid: write it as 2026-12-31 or 31.12.2026."
    ),
    "csv_time_invalid": _l("The time “%(value)s” is not valid: write it as 14:30."),
    "csv_account_unknown": _l(
        "No connected account “%(value)s” in this workspace: use its username."
    ),
    "csv_type_invalid": _l("Unknown post type “%(value)s”: use image, carousel, reel or story."),
    "csv_media_unknown": _l(
        "No file “%(value)s” in the media library: upload it first or use its library id."
    ),
    "csv_media_ambiguous": _l(
        "Several library files are named “%(value)s”: use the library id instead."
    ),
    "csv_media_missing": _l("The row names no media file."),
}

SNIPPET_ERRORS = {
    "snippet_name_invalid": _l("Give the snippet a name of at most 120 characters."),
    "snippet_body_invalid": _l("The text must be 1 to 2,200 characters long."),
    "snippet_kind_invalid": _l("Choose a caption snippet or a hashtag group."),
}

DELIVERY_ERRORS = {
    "email_invalid": _l("This e-mail address is not valid."),
    "email_required": _l("Enter an e-mail address to receive e-mails."),
    "chat_id_invalid": _l(
        "A Telegram chat id is a number (or @channelname): ask the bot for it with /start."
    ),
    "chat_id_required": _l("Enter your Telegram chat id to receive Telegram messages."),
}

DUPLICATE_TEXTS = {
    "same_media": _l("@%(account)s already has a post with the same media (post #%(post)s)."),
    "same_caption": _l("@%(account)s already has a post with the same caption (post #%(post)s)."),
}

# What the user can do about a refused composition, by PostError code.
POST_ERROR_HINTS = {
    "media_url_unreachable": _l(
        "Open the media URL from a phone on mobile data: if it does not load, set PUBLIC_BASE_URL "
        "to the public HTTPS address of this server and check the proxy forwards /m/."
    ),
    "public_url_private": _l(
        "Set PUBLIC_BASE_URL to the public HTTPS address of this server, not localhost or a "
        "private network address."
    ),
    "public_url_not_https": _l(
        "Serve Kezek over HTTPS (the bundled Traefik does this) and set PUBLIC_BASE_URL to "
        "the https:// address."
    ),
    "media_not_ready": _l("Wait until the file is processed in the media library, then retry."),
    "public_url_status": _l(
        "The media URL answered with an error: check that the proxy forwards /m/ to Kezek and "
        "that the file is still in the media library."
    ),
    "public_url_wrong_type": _l(
        "The media URL answered with another kind of file: check that the proxy in front of "
        "Kezek does not rewrite the answers under /m/."
    ),
    "public_url_unresolvable": _l(
        "The host name in PUBLIC_BASE_URL does not resolve: point the domain's DNS at this server."
    ),
}
POST_ERROR_HINTS["public_url_unreachable"] = POST_ERROR_HINTS["media_url_unreachable"]
# Media-check codes that app.web.post_messages words under another key.
ERROR_ALIASES = {"public_url_unreachable": "media_url_unreachable"}


def import_error_text(code: str, params: dict | None = None) -> str:
    """The translated reason a CSV file or row was refused."""
    template = IMPORT_ERRORS.get(code)
    if template is None:
        return post_error_text(code)
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def snippet_error_text(code: str) -> str:
    return str(SNIPPET_ERRORS.get(code, code))


def delivery_error_text(code: str) -> str:
    return str(DELIVERY_ERRORS.get(code, code))


def refused_text(code: str) -> str:
    """The translated reason a composition was refused."""
    return post_error_text(ERROR_ALIASES.get(code, code))


def post_error_hint(code: str | None) -> str:
    """What to do about a refused post, or an empty string."""
    hint = POST_ERROR_HINTS.get(code or "")
    return str(hint) if hint else ""


def type_label(value: str) -> str:
    return str(TYPE_LABELS.get(value, value))
