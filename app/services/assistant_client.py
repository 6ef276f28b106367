"""A minimal client of OpenAI-compatible `/v1/chat/completions` servers (plain Python).

The API key goes only into the Authorization header: it is never logged, stored, put in an
exception or returned. Errors are typed by a short `code` and carry nothing else.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RESPONSE_BYTES = 256 * 1024


class ModelError(Exception):
    """The model server could not give an answer: `code` says why (no secrets inside)."""

    def __init__(self, code: str, status: int | None = None, latency_ms: int = 0):
        super().__init__(code)
        self.code = code
        self.status = status
        self.latency_ms = latency_ms


@dataclass(frozen=True)
class Completion:
    """The text of the first choice and the usage the server reported."""

    content: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int
    model: str


def is_configured(settings) -> bool:
    """Whether an endpoint and a model are set."""
    return bool(settings.AI_API_BASE_URL and settings.AI_MODEL)


def endpoint_url(settings) -> str:
    """`{AI_API_BASE_URL}/chat/completions` (the base URL ends with /v1)."""
    return settings.AI_API_BASE_URL.rstrip("/") + "/chat/completions"


def _headers(settings) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.AI_API_KEY:
        headers["Authorization"] = f"Bearer {settings.AI_API_KEY}"
    return headers


def _post_once(settings, body: dict, http) -> tuple[dict, int]:
    started = time.monotonic()
    timeout = max(1, settings.AI_TIMEOUT_SECONDS)
    try:
        resp = http.post(
            endpoint_url(settings),
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers=_headers(settings),
            timeout=(min(timeout, 10), timeout),
            stream=True,
        )
        raw = resp.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        resp.close()
    except requests.Timeout:
        raise ModelError("timeout", latency_ms=_ms(started)) from None
    except (requests.RequestException, OSError):
        raise ModelError("unreachable", latency_ms=_ms(started)) from None
    latency = _ms(started)
    if resp.status_code >= 400:
        raise ModelError("http_error", resp.status_code, latency)
    if len(raw) > MAX_RESPONSE_BYTES:
        raise ModelError("malformed", resp.status_code, latency)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelError("malformed", resp.status_code, latency) from None
    if not isinstance(data, dict):
        raise ModelError("malformed", resp.status_code, latency)
    return data, latency


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def complete(
    settings, messages: list[dict], *, http=None, sleep=time.sleep, json_mode: bool | None = None
) -> Completion:
    """One chat completion; server errors and refused connections are retried with back-off
    (AI_MAX_RETRIES times), timeouts are not (the caller retries later)."""
    if not is_configured(settings):
        raise ModelError("not_configured")
    http = http or requests
    body = {
        "model": settings.AI_MODEL,
        "messages": messages,
        "temperature": 0.2,
        "max_tokens": settings.AI_MAX_TOKENS,
    }
    if settings.AI_JSON_MODE if json_mode is None else json_mode:
        body["response_format"] = {"type": "json_object"}
    attempt = 0
    while True:
        try:
            data, latency = _post_once(settings, body, http)
            break
        except ModelError as e:
            retryable = e.code == "unreachable" or (
                e.code == "http_error" and e.status in RETRY_STATUSES
            )
            log.warning(
                "AI model call failed",
                extra={"code": e.code, "status": e.status, "attempt": attempt + 1},
            )
            if not retryable or attempt >= max(0, settings.AI_MAX_RETRIES):
                raise
            sleep(min(0.5 * 2**attempt, 4.0))
            attempt += 1
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelError("malformed", 200, latency) from None
    if not isinstance(content, str):
        raise ModelError("malformed", 200, latency)
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return Completion(
        content=content,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        latency_ms=latency,
        model=str(data.get("model") or settings.AI_MODEL)[:120],
    )


def _int(value) -> int:
    return value if isinstance(value, int) and 0 <= value < 10**9 else 0
