"""Constants and helpers shared by the Instagram tests (imported by conftest)."""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import re
from typing import Any

import requests
from PIL import Image

APP_ID = "555000111"
APP_SECRET = "sandbox-test-secret"
WEBHOOK_SECRET = "hook-secret"
REDIRECT = "http://localhost:5000/instagram/callback"
ACCOUNT = "17841400000000001"
ACCOUNT_2 = "17841400000000002"
CUSTOMER = "6100000000000001"


class Sandbox:
    """A running sandbox plus helpers for its admin endpoints."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an /_admin endpoint and return its JSON."""
        resp = requests.request(method, f"{self.url}/_admin/{path}", json=body, timeout=10)
        assert resp.status_code < 400, resp.text
        return resp.json()

    def fault(self, **spec: Any) -> None:
        """Register one fault."""
        self.admin("POST", "faults", spec)

    def advance(self, seconds: float) -> None:
        """Jump sandbox time forward."""
        self.admin("POST", "clock", {"advance_seconds": seconds})

    def configure(self, **values: Any) -> None:
        """Change sandbox config at run time."""
        self.admin("POST", "config", values)

    def token(self, ig_user_id: str = ACCOUNT, **extra: Any) -> str:
        """A long-lived token minted without the OAuth dance."""
        return self.admin("POST", "tokens", {"ig_user_id": ig_user_id, **extra})["access_token"]


def jpeg(width: int, height: int, fmt: str = "JPEG") -> bytes:
    """An image generated at run time (no binaries in the repo)."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buf, fmt)
    return buf.getvalue()


def valid_signature(body: bytes, header: str, secret: str) -> bool:
    """Check X-Hub-Signature-256 the way Kezek will."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def consent_form(page: str) -> dict[str, str]:
    """Hidden fields of the sandbox consent form."""
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in fields}
