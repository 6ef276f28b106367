"""Typed Instagram errors and their classification (fact sheet §10.3)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from app.instagram.usage import UsageInfo


class ErrorKind(enum.Enum):
    """What the caller should do about an error."""

    RETRY = "retry"  # transient: retry with exponential back-off
    RATE_LIMITED = "rate_limited"  # throttled: wait retry_after_seconds
    QUOTA_EXCEEDED = "quota_exceeded"  # publishing quota: wait for the 24 h window
    TOKEN_DEAD = "token_dead"  # reconnect needed; never retry
    PERMISSION = "permission"  # permission missing or denied; don't retry
    BLOCKED = "blocked"  # account or action restricted by Meta; surface to user
    BAD_INPUT = "bad_input"  # fix the request or the media
    RECREATE_CONTAINER = "recreate_container"  # container gone: create a new one
    PUBLISH_NOT_READY = "publish_not_ready"  # poll the container until FINISHED
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Rule:
    kind: ErrorKind
    key: str
    retry_after: int | None = None


# (code, subcode) rules win over code-only rules; subcodes are unique per row of
# the §10.3 table, so they are also matched when Meta pairs them with another code.
_SUBCODE_RULES: dict[int, _Rule] = {
    2207003: _Rule(ErrorKind.RETRY, "media_download_timeout"),
    2207020: _Rule(ErrorKind.RECREATE_CONTAINER, "container_expired"),
    2207001: _Rule(ErrorKind.RETRY, "server_error"),
    2207032: _Rule(ErrorKind.RETRY, "create_failed"),
    2207053: _Rule(ErrorKind.RETRY, "upload_failed"),
    2207057: _Rule(ErrorKind.BAD_INPUT, "thumb_offset_invalid"),
    2207051: _Rule(ErrorKind.BLOCKED, "spam_restricted"),
    2207042: _Rule(ErrorKind.QUOTA_EXCEEDED, "quota_exceeded"),
    2207006: _Rule(ErrorKind.RECREATE_CONTAINER, "media_not_found"),
    # Meta: retry 1-2 times within 30 s - 2 min, then create a new container.
    2207008: _Rule(ErrorKind.RETRY, "container_missing", 30),
    2207050: _Rule(ErrorKind.BLOCKED, "account_restricted"),
    2207023: _Rule(ErrorKind.BAD_INPUT, "media_type_invalid"),
    2207028: _Rule(ErrorKind.BAD_INPUT, "carousel_count"),
    2207035: _Rule(ErrorKind.BAD_INPUT, "product_tags"),
    2207036: _Rule(ErrorKind.BAD_INPUT, "product_tags"),
    2207037: _Rule(ErrorKind.BAD_INPUT, "product_tags"),
    2207040: _Rule(ErrorKind.BAD_INPUT, "too_many_tags"),
    2207026: _Rule(ErrorKind.BAD_INPUT, "video_format"),
    2207052: _Rule(ErrorKind.BAD_INPUT, "media_url_unreachable"),
    2207027: _Rule(ErrorKind.PUBLISH_NOT_READY, "media_not_ready"),
    2207004: _Rule(ErrorKind.BAD_INPUT, "image_too_large"),
    2207005: _Rule(ErrorKind.BAD_INPUT, "image_format"),
    2207009: _Rule(ErrorKind.BAD_INPUT, "aspect_ratio"),
    2207010: _Rule(ErrorKind.BAD_INPUT, "caption_too_long"),
}

_CODE_RULES: dict[int, _Rule] = {
    1: _Rule(ErrorKind.RETRY, "unknown_error"),
    2: _Rule(ErrorKind.RETRY, "service_unavailable"),
    -1: _Rule(ErrorKind.RETRY, "server_error"),
    -2: _Rule(ErrorKind.RETRY, "server_error"),
    4: _Rule(ErrorKind.RATE_LIMITED, "rate_limited_app"),
    17: _Rule(ErrorKind.RATE_LIMITED, "rate_limited_user"),
    32: _Rule(ErrorKind.RATE_LIMITED, "rate_limited_page"),
    613: _Rule(ErrorKind.RATE_LIMITED, "rate_limited_custom"),
    80002: _Rule(ErrorKind.RATE_LIMITED, "rate_limited_business"),
    10: _Rule(ErrorKind.PERMISSION, "permission_denied"),
    190: _Rule(ErrorKind.TOKEN_DEAD, "token_invalid"),
    368: _Rule(ErrorKind.BLOCKED, "policy_blocked"),
    9: _Rule(ErrorKind.QUOTA_EXCEEDED, "quota_exceeded"),
    24: _Rule(ErrorKind.RECREATE_CONTAINER, "media_not_found"),
    25: _Rule(ErrorKind.BLOCKED, "account_restricted"),
    100: _Rule(ErrorKind.BAD_INPUT, "invalid_parameter"),
    352: _Rule(ErrorKind.BAD_INPUT, "video_format"),
    9004: _Rule(ErrorKind.BAD_INPUT, "media_url_unreachable"),
    9007: _Rule(ErrorKind.PUBLISH_NOT_READY, "media_not_ready"),
    36000: _Rule(ErrorKind.BAD_INPUT, "image_too_large"),
    36001: _Rule(ErrorKind.BAD_INPUT, "image_format"),
    36003: _Rule(ErrorKind.BAD_INPUT, "aspect_ratio"),
    36004: _Rule(ErrorKind.BAD_INPUT, "caption_too_long"),
}

# 190 subcodes from Meta's error-handling guide; all mean "reconnect".
TOKEN_SUBCODE_KEYS: dict[int, str] = {
    458: "app_not_installed",
    459: "user_checkpointed",
    460: "password_changed",
    463: "token_expired",
    464: "user_unconfirmed",
    467: "token_invalid",
}

# Other Business Use Case throttling codes share 80002's meaning (secondary sources).
_BUC_THROTTLE_RANGE = range(80000, 80100)

# Without an estimate from the headers, app-level usage at 100 % is measured over a
# rolling hour; ten minutes is a polite first wait before the caller's own back-off.
APP_USAGE_FALLBACK_SECONDS = 600


def classify(
    code: int | None,
    subcode: int | None = None,
    *,
    is_transient: bool = False,
    http_status: int | None = None,
    message: str = "",
) -> tuple[ErrorKind, str, int | None]:
    """Return (kind, message_key, fixed retry-after seconds) for a Graph error."""
    if code == 190:
        return ErrorKind.TOKEN_DEAD, TOKEN_SUBCODE_KEYS.get(subcode or 0, "token_invalid"), None
    if subcode in _SUBCODE_RULES:
        rule = _SUBCODE_RULES[subcode]
        return rule.kind, rule.key, rule.retry_after
    if code is not None and 200 <= code <= 299:
        return ErrorKind.PERMISSION, "permission_missing", None
    if code == 10 and "viewers" in message.lower():
        # "(#10) Not enough viewers for the media to show insights" (Story < 5 viewers).
        return ErrorKind.PERMISSION, "insights_not_enough_viewers", None
    if code in _CODE_RULES:
        rule = _CODE_RULES[code]
        return rule.kind, rule.key, rule.retry_after
    if code in _BUC_THROTTLE_RANGE:
        return ErrorKind.RATE_LIMITED, "rate_limited_business", None
    if is_transient:
        return ErrorKind.RETRY, "transient", None
    if http_status is not None and http_status >= 500:
        return ErrorKind.RETRY, "server_error", None
    return ErrorKind.UNKNOWN, "unknown", None


def classify_oauth(message: str) -> tuple[ErrorKind, str]:
    """Classify the non-Graph OAuth error shape of the code exchange."""
    text = message.lower()
    if "redirect_uri" in text:
        return ErrorKind.BAD_INPUT, "oauth_redirect_mismatch"
    if "secret" in text or "app id" in text or "platform app" in text:
        return ErrorKind.BAD_INPUT, "oauth_client_invalid"
    if "code" in text:
        return ErrorKind.BAD_INPUT, "oauth_code_invalid"
    return ErrorKind.BAD_INPUT, "oauth_error"


class InstagramError(Exception):
    """An Instagram API failure; never carries an access token."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind = ErrorKind.UNKNOWN,
        message_key: str = "unknown",
        code: int | None = None,
        error_subcode: int | None = None,
        error_type: str | None = None,
        is_transient: bool = False,
        fbtrace_id: str | None = None,
        http_status: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        retry_after_seconds: int | None = None,
        usage: UsageInfo | None = None,
    ) -> None:
        # Only Meta's (already redacted) text goes into args, so str()/repr() and
        # tracebacks stay token-free.
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.message_key = message_key
        self.code = code
        self.error_subcode = error_subcode
        self.error_type = error_type
        self.is_transient = is_transient
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status
        self.user_title = user_title
        self.user_msg = user_msg
        self.retry_after_seconds = retry_after_seconds
        self.usage = usage

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later without changes."""
        return self.kind in (
            ErrorKind.RETRY,
            ErrorKind.RATE_LIMITED,
            ErrorKind.QUOTA_EXCEEDED,
            ErrorKind.PUBLISH_NOT_READY,
        )

    def __str__(self) -> str:
        parts = [f"code={self.code}"]
        if self.error_subcode is not None:
            parts.append(f"subcode={self.error_subcode}")
        parts.append(f"kind={self.kind.value}")
        return f"{self.message} ({', '.join(parts)})"

    def __repr__(self) -> str:
        return (
            f"InstagramError(kind={self.kind.value!r}, key={self.message_key!r}, "
            f"code={self.code!r}, subcode={self.error_subcode!r}, "
            f"http_status={self.http_status!r}, message={self.message!r})"
        )


def error_from_graph(
    payload: dict[str, Any], http_status: int | None, usage: UsageInfo | None
) -> InstagramError:
    """Build an InstagramError from a Graph `{"error": {...}}` envelope."""
    err = payload.get("error") if isinstance(payload.get("error"), dict) else {}
    code = _as_int(err.get("code"))
    subcode = _as_int(err.get("error_subcode"))
    transient = bool(err.get("is_transient", False))
    message = str(err.get("message") or "Instagram API error")
    kind, key, fixed_after = classify(
        code, subcode, is_transient=transient, http_status=http_status, message=message
    )
    retry_after = fixed_after
    if kind is ErrorKind.RATE_LIMITED:
        retry_after = rate_limit_wait(usage)
    return InstagramError(
        message,
        kind=kind,
        message_key=key,
        code=code,
        error_subcode=subcode,
        error_type=err.get("type"),
        is_transient=transient,
        fbtrace_id=err.get("fbtrace_id"),
        http_status=http_status,
        user_title=err.get("error_user_title"),
        user_msg=err.get("error_user_msg"),
        retry_after_seconds=retry_after,
        usage=usage,
    )


def rate_limit_wait(usage: UsageInfo | None) -> int | None:
    """Seconds to wait after throttling, from the usage headers; None = back off."""
    if usage is None:
        return None
    if usage.regain_access_seconds:
        return usage.regain_access_seconds
    if usage.app is not None and usage.app.max_percent >= 100:
        return APP_USAGE_FALLBACK_SECONDS
    return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
