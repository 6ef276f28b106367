"""A loopback HTTP server standing in for a customer's webhook receiver: it records every
request and answers with the statuses it is told to (then 200), optionally slowly."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.models import WebhookDelivery
from app.services.outgoing_webhooks import endpoints as service


@dataclass
class Hit:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def verifies(self, secret: str) -> bool:
        """Check the signature exactly as the README tells receivers to."""
        stamp = self.headers["X-Kezek-Timestamp"]
        signed = stamp.encode() + b"." + self.body
        expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Kezek-Signature-256"])


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # above the worker's 16 parallel sends


class Receiver:
    def __init__(self):
        self.hits: list[Hit] = []
        self.script: dict[str, list[int]] = {}  # path -> statuses to answer, then 200
        self.slow: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hits.append(Hit(self.path, dict(self.headers), body))
                time.sleep(receiver.slow.get(self.path, 0))
                queue = receiver.script.get(self.path) or []
                status = queue.pop(0) if queue else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/redirected")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def at(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def add_endpoint(session, settings, workspace_id, url, events, **kw):
    """An endpoint registered through the service, committed; returns (endpoint, secret)."""
    endpoint, secret = service.create_endpoint(
        session, settings, workspace_id, url=url, events=events, **kw
    )
    session.commit()
    return endpoint, secret


def deliveries(session, endpoint=None) -> list[WebhookDelivery]:
    session.expire_all()
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint.id)
    return list(session.scalars(stmt))


def deliver(app, now=None) -> dict:
    """Run the worker's job body once (as the scheduler does), in an app context."""
    from app.extensions import db
    from scheduler.webhook_jobs import deliver_webhooks_once

    with app.app_context():
        return deliver_webhooks_once(db.session, app.config["SETTINGS"], now=now)
