"""Where outgoing webhooks may go: http(s) URLs, https in production, public addresses only
unless OUTGOING_WEBHOOKS_ALLOW_PRIVATE says otherwise (checked again before every send)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 500


class WebhookError(Exception):
    """An endpoint or delivery cannot be saved; `code` names the reason, `field` the input."""

    def __init__(self, code: str, field: str = "url"):
        super().__init__(code)
        self.code = code
        self.field = field


def _allow_private(settings) -> bool:
    return settings.OUTGOING_WEBHOOKS_ALLOW_PRIVATE is True


def normalize_url(settings, url: str) -> str:
    """The URL as stored, or WebhookError: scheme, host, no credentials, no fragment."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise WebhookError("url_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookError("url_invalid") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookError("url_invalid")
    if parts.scheme == "http" and settings.is_production:
        raise WebhookError("url_not_https")
    if parts.username or parts.password or parts.fragment:
        raise WebhookError("url_invalid")
    if port == 0:
        raise WebhookError("url_invalid")
    if not _allow_private(settings):
        host = parts.hostname.rstrip(".").lower()
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise WebhookError("url_private")
        try:
            if not ipaddress.ip_address(host).is_global:
                raise WebhookError("url_private")
        except ValueError:
            pass  # a name: resolved below and again before each send
        resolve(settings, parts.hostname, port or default_port(parts.scheme))
    return url


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def resolve(settings, host: str, port: int) -> list[str]:
    """The addresses to connect to; WebhookError when none or, unless allowed, any private."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookError("url_unresolvable") from None
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
    if not addresses:
        raise WebhookError("url_unresolvable")
    if not _allow_private(settings):
        # Every address must be public: a name that also points inside is refused whole.
        if any(not ipaddress.ip_address(a).is_global for a in addresses):
            raise WebhookError("url_private")
    return addresses
