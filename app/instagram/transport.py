"""HTTP plumbing shared by the client mixins: requests, redaction, errors, usage."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from app.instagram.errors import (
    ErrorKind,
    InstagramError,
    classify_oauth,
    error_from_graph,
)
from app.instagram.types import Page
from app.instagram.usage import UsageInfo, parse_usage_headers

log = logging.getLogger("app.instagram")

DEFAULT_GRAPH_URL = "https://graph.instagram.com"
DEFAULT_API_URL = "https://api.instagram.com"
DEFAULT_AUTHORIZE_URL = "https://www.instagram.com/oauth/authorize"
# Latest version printed on the Instagram reference pages (fact sheet §0);
# available until 2028-07-29.
DEFAULT_API_VERSION = "v25.0"
DEFAULT_TIMEOUT = (5.0, 30.0)

_SECRET_PARAMS = ("access_token", "client_secret", "code", "fb_exchange_token")
_SECRET_RE = re.compile(
    r"(?P<k>(?<![A-Za-z_])(?:" + "|".join(_SECRET_PARAMS) + r")(?:=|%3D))"
    r"(?P<v>[^&\s'\"#]+)",
    re.IGNORECASE,
)
_AUTH_HEADER_RE = re.compile(r"(?i)((?:bearer|oauth)\s+)[^\s'\"]+")

UsageCallback = Callable[[str | None, UsageInfo], None]


def redact(text: str) -> str:
    """Replace secret query values and Authorization credentials with ***."""
    text = _SECRET_RE.sub(lambda m: m.group("k") + "***", text)
    return _AUTH_HEADER_RE.sub(lambda m: m.group(1) + "***", text)


class _RedactFilter(logging.Filter):
    """Redacts secrets from urllib3's debug lines, which print full request URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_filter_lock = threading.Lock()
_filter_installed = False


def install_log_redaction() -> None:
    """Attach the redacting filter to urllib3's connection-pool logger once."""
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            logging.getLogger("urllib3.connectionpool").addFilter(_RedactFilter())
            _filter_installed = True


def _stringify_ids(value: Any) -> Any:
    """Convert integer ids (possibly > 2^53) to strings, recursively for id keys."""
    if isinstance(value, dict):
        return {
            k: (
                str(v)
                if (k == "id" or k.endswith("_id")) and isinstance(v, int)
                else _stringify_ids(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_stringify_ids(v) for v in value]
    return value


def page_from(payload: dict[str, Any]) -> Page:
    """Turn a Graph list answer into a Page, dropping token-bearing URLs."""
    paging = payload.get("paging") or {}
    cursors = paging.get("cursors") or {}
    after = cursors.get("after") or _cursor_from_url(paging.get("next"), "after")
    before = cursors.get("before") or _cursor_from_url(paging.get("previous"), "before")
    return Page(
        data=list(payload.get("data") or []),
        before=before,
        after=after,
        has_next=bool(paging.get("next")),
        has_previous=bool(paging.get("previous")),
    )


def _cursor_from_url(url: str | None, name: str) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


class Transport:
    """Holds the session and settings; performs one call and maps its errors."""

    def __init__(
        self,
        *,
        app_id: str = "",
        app_secret: str = "",
        graph_url: str = DEFAULT_GRAPH_URL,
        api_url: str = DEFAULT_API_URL,
        authorize_url: str = DEFAULT_AUTHORIZE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        on_usage: UsageCallback | None = None,
    ) -> None:
        self.app_id = str(app_id)
        self._app_secret = app_secret
        self.graph_url = graph_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.authorize_url = authorize_url
        self.api_version = api_version
        self.timeout = timeout
        self.session = session or requests.Session()
        self.on_usage = on_usage
        install_log_redaction()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} graph={self.graph_url} v={self.api_version}>"

    def graph_path(self, path: str) -> str:
        """Versioned Graph URL for a path such as `me/media`."""
        return f"{self.graph_url}/{self.api_version}/{path.lstrip('/')}"

    def graph(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        ig_user_id: str | None = None,
    ) -> dict[str, Any]:
        """Call a versioned Graph endpoint with the token in the Authorization header."""
        headers = {"Authorization": f"Bearer {access_token}"}
        return self.call(
            method,
            self.graph_path(path),
            params=params,
            data=data,
            json_body=json_body,
            headers=headers,
            secrets=(access_token,),
            ig_user_id=ig_user_id,
        )

    def call(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        ig_user_id: str | None = None,
        oauth_shape: bool = False,
    ) -> dict[str, Any]:
        """Perform one request; return parsed JSON or raise InstagramError."""
        secrets = tuple(s for s in (*secrets, self._app_secret) if s)
        params = {k: v for k, v in (params or {}).items() if v is not None}
        log.debug("instagram %s %s", method, redact(url))
        try:
            response = self.session.request(
                method,
                url,
                params=params or None,
                data=data,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise self._network_error("timeout", exc, secrets) from None
        except requests.RequestException as exc:
            raise self._network_error("network_error", exc, secrets) from None

        usage = parse_usage_headers(response.headers)
        if usage is not None and self.on_usage is not None:
            try:
                self.on_usage(ig_user_id, usage)
            except Exception:  # a broken metrics hook must not break API calls
                log.exception("on_usage callback failed")
        try:
            # json.loads keeps big integers exact (no float round trip).
            payload = json.loads(response.content.decode("utf-8") or "null")
        except ValueError:
            payload = None
        if response.status_code < 400 and isinstance(payload, dict):
            if "error" not in payload:
                return _stringify_ids(payload)
        raise self._response_error(response.status_code, payload, usage, secrets, oauth_shape)

    def _network_error(self, key: str, exc: Exception, secrets: tuple[str, ...]) -> InstagramError:
        text = _scrub(f"{type(exc).__name__}: {exc}", secrets)
        log.warning("instagram request failed: %s", text)
        return InstagramError(text, kind=ErrorKind.RETRY, message_key=key, is_transient=True)

    def _response_error(
        self,
        status: int,
        payload: Any,
        usage: UsageInfo | None,
        secrets: tuple[str, ...],
        oauth_shape: bool,
    ) -> InstagramError:
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            err = error_from_graph(payload, status, usage)
        elif isinstance(payload, dict) and "error_message" in payload:
            # Non-Graph OAuth shape: {"error_type", "code", "error_message"}.
            message = str(payload.get("error_message"))
            kind, key = classify_oauth(message)
            err = InstagramError(
                message,
                kind=kind,
                message_key=key,
                code=_int_or_none(payload.get("code")),
                error_type=payload.get("error_type"),
                http_status=status,
                usage=usage,
            )
        elif status >= 500 or status == 429:
            err = InstagramError(
                f"HTTP {status} without a Graph error body",
                kind=ErrorKind.RETRY,
                message_key="server_error",
                http_status=status,
                usage=usage,
            )
        else:
            err = InstagramError(
                f"unexpected response (HTTP {status})",
                kind=ErrorKind.UNKNOWN,
                message_key="bad_response",
                http_status=status,
                usage=usage,
            )
        # Meta's text could echo a request parameter; never let a secret through.
        err.message = _scrub(err.message, secrets)
        err.args = (err.message,)
        for attr in ("user_title", "user_msg"):
            value = getattr(err, attr)
            if value:
                setattr(err, attr, _scrub(value, secrets))
        log.info(
            "instagram error kind=%s key=%s code=%s subcode=%s status=%s trace=%s",
            err.kind.value,
            err.message_key,
            err.code,
            err.error_subcode,
            status,
            err.fbtrace_id,
        )
        return err


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    text = redact(text)
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
