"""The POST side of `/webhooks/instagram`, as a thin WSGI layer in front of Flask.

Meta retries a delivery that is not answered quickly, so the hot path does only what must
happen before the 200: bound the body, check the signature, store the raw batch. It skips
Flask's per-request machinery (sessions, sign-in, CSRF, templates) that a machine-to-machine
call never needs, and concurrent deliveries share one commit (group commit): SQLite takes
one writer at a time and each commit waits for the disk, so batching the waits is what
keeps ingest close to the speed of an empty endpoint. Everything else goes to Flask.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, insert
from werkzeug.wsgi import get_input_stream

from app.models import WebhookEvent, utcnow
from app.services.webhooks import parse_body, signature_valid, webhook_secrets

log = logging.getLogger("app.web.webhooks")
PATH = "/webhooks/instagram"


class GroupWriter:
    """Inserts raw batches; threads arriving during a commit share the next one."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.lock = threading.Lock()
        self.queue: list[list] = []
        self.flushing = False

    def store(self, body: bytes) -> None:
        """Return once the row is committed; raise if the commit failed."""
        item = [body.decode("utf-8", "replace"), threading.Event(), None]
        with self.lock:
            self.queue.append(item)
            leader = not self.flushing
            self.flushing = True
        if not leader:
            item[1].wait()
        else:
            self._drain()
        if item[2] is not None:
            raise item[2]

    def _drain(self) -> None:
        while True:
            with self.lock:
                batch, self.queue = self.queue, []
                if not batch:
                    self.flushing = False
                    return
            error = None
            try:
                now = utcnow()
                rows = [
                    {
                        "body": b[0],
                        "received_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "entries": 0,
                        "dropped": 0,
                    }
                    for b in batch
                ]
                with self.engine.begin() as conn:
                    conn.execute(insert(WebhookEvent), rows)
            except Exception as exc:  # every waiter learns it was not stored
                error = exc
            for b in batch:
                b[2] = error
                b[1].set()


class WebhookIngest:
    """WSGI middleware: answers POST /webhooks/instagram, passes everything else on."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.settings = flask_app.config["SETTINGS"]
        self.writer = GroupWriter(flask_app.extensions["kezek.db"][0])

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
        if parse_body(body) is None:
            return "400 Bad Request", "bad request"
        try:
            self.writer.store(body)
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
