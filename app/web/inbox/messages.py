"""Translated reasons for refused inbox actions."""

from flask_babel import lazy_gettext as _l

from app.web.instagram_messages import BY_KEY, BY_KIND, FALLBACK

RULES = {
    "window_closed": _l(
        "Instagram allows replies only within 24 hours of the customer's last message. "
        "The conversation continues when the customer writes again."
    ),
    "private_reply_used": _l("Instagram allows only one private reply per comment."),
    "private_reply_expired": _l("Private replies are possible only within 7 days of the comment."),
    "private_reply_own": _l("Private replies go to other people's comments only."),
    "private_reply_deleted": _l("This comment was deleted."),
    "comment_deleted": _l("This comment was deleted."),
    "own_comment_hide": _l("Instagram always shows the account's own comments."),
    "account_reconnect": _l("The Instagram connection stopped working. Reconnect the account."),
    "text_empty": _l("Write something first."),
    "text_too_long": _l("The text is longer than Instagram allows."),
}
ACTION_NAMES = {
    "reply": _l("Reply"),
    "hide": _l("Hide"),
    "unhide": _l("Unhide"),
    "delete": _l("Delete"),
    "private_reply": _l("Private reply"),
    "message": _l("Message"),
}


def rule_text(code: str) -> str:
    """The sentence explaining why an action was not sent."""
    return str(RULES.get(code) or BY_KEY.get(code) or FALLBACK)


def failure_text(error_key: str, error_kind: str) -> str:
    """The sentence explaining why Instagram refused an action."""
    if error_key in RULES:
        return str(RULES[error_key])
    if error_key in BY_KEY:
        return str(BY_KEY[error_key])
    by_kind = {k.value: v for k, v in BY_KIND.items()}
    return str(by_kind.get(error_kind, FALLBACK))
