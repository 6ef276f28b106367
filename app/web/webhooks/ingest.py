"""The POST side of `/webhooks/instagram`, as a thin WSGI layer in front of Flask.

Meta retries a delivery that is not answered quickly, so the hot path does only what must
happen before the 200: bound the body, check the signature, refuse what is not UTF-8 JSON,
store the raw batch (`store.BatchStore`: one INSERT shared by concurrent deliveries, on a
connection of its own). It skips Flask's per-request machinery (request context, session
cookie, sign-in, CSRF, locale, request hooks, logging) that a machine-to-machine call never
needs. Everything else goes to Flask.
"""

from __future__ import annotations

import logging

from werkzeug.wsgi import get_input_stream

from app.services.webhooks import decode_body, parse_body, signature_valid, webhook_secrets
from app.web.webhooks.store import BatchStore

log = logging.getLogger("app.web.webhooks")
PATH = "/webhooks/instagram"


class WebhookIngest:
    """WSGI middleware: answers POST /webhooks/instagram, passes everything else on."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.settings = flask_app.config["SETTINGS"]
        self.store = BatchStore(flask_app.extensions["kezek.db"][0])

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        status, text = self.handle(environ)
        body = text.encode()
        start_response(
            status,
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]

    def handle(self, environ) -> tuple[str, str]:
        limit = self.settings.WEBHOOK_MAX_BYTES
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return "400 Bad Request", "bad request"
        if length > limit:
            return "413 Content Too Large", "too large"
        body = read_limited(get_input_stream(environ, max_content_length=None), limit)
        if body is None:
            return "413 Content Too Large", "too large"
        header = environ.get("HTTP_X_HUB_SIGNATURE_256")
        if not signature_valid(body, header, webhook_secrets(self.settings)):
            log.warning("webhook with a missing or bad signature refused")
            return "403 Forbidden", "forbidden"
        # Stored exactly as sent: a body that is not UTF-8 JSON is refused, never "repaired".
        text = decode_body(body)
        if text is None or parse_body(text) is None:
            return "400 Bad Request", "bad request"
        try:
            self.store.store(text)
        except Exception:
            # Not stored: a 5xx makes Meta deliver it again later.
            log.exception("webhook batch could not be stored")
            return "503 Service Unavailable", "retry later"
        return "200 OK", "ok"


def read_limited(stream, limit: int) -> bytes | None:
    """The whole body, or None past `limit` bytes (chunked bodies have no length)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(65536, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None
