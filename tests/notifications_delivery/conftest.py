"""A local fake Telegram Bot API and a local SMTP server (aiosmtpd), both over real sockets."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

BOT_TOKEN = "123456:TEST-bot-token-secret"
SMTP_USER, SMTP_PASSWORD = "kezek@example.kz", "p@ss:word/1"


class FakeTelegram:
    """Answers POST /bot<token>/sendMessage like the Bot API and records every message."""

    def __init__(self):
        self.messages: list[dict] = []
        self.fail_next = 0  # answer this many requests with a 500
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @Request.application
    def wsgi(self, request: Request) -> Response:
        if request.method != "POST" or not request.path.endswith("/sendMessage"):
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        if request.path != f"/bot{BOT_TOKEN}/sendMessage":
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        if self.fail_next:
            self.fail_next -= 1
            return self._json({"ok": False, "error_code": 500, "description": "Internal"}, 500)
        body = request.get_json()
        if not str(body.get("chat_id", "")).lstrip("-").isdigit():
            return self._json(
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, 400
            )
        self.messages.append(body)
        return self._json({"ok": True, "result": {"message_id": len(self.messages)}})

    @staticmethod
    def _json(data, status=200) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def texts(self, chat_id: str) -> list[str]:
        return [m["text"] for m in self.messages if str(m["chat_id"]) == chat_id]

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


class Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", "replace"),
                "login": session.auth_data,
            }
        )
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [m["data"] for m in self.messages if address in m["to"]]


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def telegram():
    fake = FakeTelegram()
    yield fake
    fake.stop()


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def channels(app, telegram, mailbox):
    """The app's settings pointed at the fake Bot API and the local SMTP server."""
    from urllib.parse import quote

    settings = app.config["SETTINGS"]
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_API_URL = telegram.url
    settings.SMTP_URL = (
        f"smtp://{quote(SMTP_USER, safe='')}:{quote(SMTP_PASSWORD, safe='')}"
        f"@127.0.0.1:{mailbox.port}"
    )
    settings.SMTP_FROM = "Kezek <kezek@example.kz>"
    settings.NOTIFY_TIMEOUT_SECONDS = 5
    return settings
