"""Translated names of outgoing webhook events, delivery statuses and errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EVENT_NAMES = {
    "post.published": _l("A post was published"),
    "post.failed": _l("A post failed"),
    "comment.received": _l("A comment was received"),
    "message.received": _l("A direct message was received"),
    "automation.fired": _l("An automation rule fired"),
    "account.reconnect_needed": _l("An account needs to be reconnected"),
    "ping": _l("Test event"),
}
STATUS_NAMES = {
    "pending": _l("Pending"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}
ERRORS = {
    "url_invalid": _l("Enter a full http(s) URL without a user name or password."),
    "url_not_https": _l("Use an https:// URL."),
    "url_private": _l("This URL points to a private or local address, which is not allowed."),
    "url_unresolvable": _l("This host name cannot be found."),
    "events_empty": _l("Choose at least one event."),
    "event_unknown": _l("Unknown event."),
    "description_too_long": _l("The description is too long (at most 120 characters)."),
    "too_many_endpoints": _l("A workspace can have at most 20 webhook endpoints."),
}
# Why the last attempt of a delivery did not succeed.
DELIVERY_ERRORS = {
    "timeout": _l("no answer in time"),
    "connection_failed": _l("could not connect"),
    "tls_error": _l("the TLS certificate was not accepted"),
    "endpoint_inactive": _l("the endpoint is switched off"),
    "secret_unreadable": _l("the secret cannot be decrypted"),
    "url_private": _l("the host resolves to a private address"),
    "url_unresolvable": _l("the host name cannot be found"),
    "unexpected_error": _l("an unexpected error; see the worker's log"),
}


def error_text(code: str) -> str:
    """The message for an endpoint error code."""
    return str(ERRORS.get(code, _l("This value is not allowed.")))


def delivery_error(code: str) -> str:
    """A readable reason for a delivery's last error (`http_500` shows the status)."""
    if code.startswith("http_"):
        return str(_l("answered HTTP %(code)s", code=code[5:]))
    return str(DELIVERY_ERRORS.get(code, code))
