"""Meta's `signed_request` (fact sheet §9): `<b64url(signature)>.<b64url(payload)>`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time


class SignedRequestError(ValueError):
    """The signed_request was refused; `code` says why (logged, never shown to Meta)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _b64url_decode(part: str) -> bytes:
    """Decode base64url without padding (Meta strips it); refuse anything else."""
    part = part.strip()
    if not part or any(c not in _B64URL for c in part) or len(part) % 4 == 1:
        raise SignedRequestError("bad_encoding")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise SignedRequestError("bad_encoding") from None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def app_secrets(settings) -> list[str]:
    """The secrets a signed_request may be signed with (which one Meta uses is unconfirmed)."""
    return [s for s in (settings.META_APP_SECRET, settings.INSTAGRAM_APP_SECRET) if s]


def parse_signed_request(
    raw: str | None, secrets: list[str], *, max_age: int, now: float | None = None
) -> dict:
    """Verify the HMAC-SHA256 signature and freshness; return the payload.

    The signature is computed over the *encoded* payload string, as Meta does.
    """
    if not raw or "." not in raw or not secrets:
        raise SignedRequestError("malformed")
    encoded_sig, _, encoded_payload = raw.strip().partition(".")
    signature = _b64url_decode(encoded_sig)
    payload_bytes = _b64url_decode(encoded_payload)
    ok = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
        ok |= hmac.compare_digest(expected, signature)
    if not ok:
        raise SignedRequestError("bad_signature")
    try:
        payload = json.loads(payload_bytes)
    except (ValueError, UnicodeDecodeError):
        raise SignedRequestError("bad_payload") from None
    if not isinstance(payload, dict):
        raise SignedRequestError("bad_payload")
    if str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise SignedRequestError("bad_algorithm")
    now = time.time() if now is None else now
    issued_at = payload.get("issued_at")
    if (
        not isinstance(issued_at, int | float)
        or isinstance(issued_at, bool)
        or not math.isfinite(issued_at)  # NaN would pass both freshness comparisons
    ):
        raise SignedRequestError("bad_payload")
    if issued_at < now - max_age or issued_at > now + 300:
        raise SignedRequestError("stale")
    user_id = payload.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 64:
        raise SignedRequestError("no_user")
    payload["user_id"] = user_id.strip()
    return payload


def make_signed_request(payload: dict, secret: str) -> str:
    """Sign a payload the way Meta does (for the sandbox, the CLI and tests)."""
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    sig = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).decode().rstrip("=") + "." + encoded
