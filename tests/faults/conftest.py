"""Fixtures of the fault checks: a private MariaDB server, real processes, a media stub."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server

from app.config import ROOT
from tests.conftest import IG_APP_ID, IG_APP_SECRET, TEST_KEY
from tests.faults.mariadb_server import PrivateMariaDB

# Fixtures of other areas the fault checks drive (imported, so registered here too).
from tests.inbox.conftest import owner, process, stack  # noqa: F401, E402
from tests.media.conftest import editor  # noqa: F401, E402
from tests.publishing.conftest import env  # noqa: F401, E402

# Variables of ours that must not leak from the developer's shell into a child process.
_OURS = (
    "KEZEK",
    "SECRET_KEY",
    "TOKEN_ENCRYPTION",
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "INSTAGRAM",
    "META_",
    "GUNICORN",
    "MEDIA_DIR",
    "PUBLISH_",
    "INBOX_",
    "HEARTBEAT",
    "AUTOMATION_",
    "AI_",
    "PROXY_HOPS",
    "PORT",
)


def jpeg(size=(1080, 1080), color=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def child_env(database_url: str, base_url: str, **extra) -> dict[str, str]:
    """Settings of a real Kezek process on `database_url` talking to the sandbox at `base_url`.

    `base_url` also serves the public media URLs (/m/...), so Instagram's fetches do not
    depend on the database that the tests take down.
    """
    out = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    sandbox = f"{base_url}/_sandbox"
    out.update(
        KEZEK_ENV="testing",
        DATABASE_URL=database_url,
        SECRET_KEY="test-" + "s" * 40,
        TOKEN_ENCRYPTION_KEYS=TEST_KEY,
        PUBLIC_BASE_URL=base_url,
        INSTAGRAM_APP_ID=IG_APP_ID,
        INSTAGRAM_APP_SECRET=IG_APP_SECRET,
        INSTAGRAM_GRAPH_URL=sandbox,
        INSTAGRAM_API_URL=sandbox,
        INSTAGRAM_AUTHORIZE_URL=f"{sandbox}/oauth/authorize",
        MEDIA_DIR=tempfile.mkdtemp(prefix="kezek-faults-media-"),
        LOG_LEVEL="WARNING",
    )
    out.update({k: str(v) for k, v in extra.items()})
    return out


class Child:
    """A real `python <args>` process of the repository, output kept in a file."""

    def __init__(self, args: list[str], environ: dict[str, str], log: Path):
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=environ,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, check, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail(f"exited ({self.popen.returncode}) before {what}:\n{self.output()}")
            result = check()
            if result:
                return result
            time.sleep(0.2)
        pytest.fail(f"no {what} within {timeout} s:\n{self.output()[-5000:]}")

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._out.close()


@pytest.fixture
def spawn(tmp_path):
    """Factory: start `python <args>` in the repository root; stopped at teardown."""
    children: list[Child] = []

    def start(args: list[str], environ: dict[str, str], name: str) -> Child:
        child = Child(args, environ, tmp_path / f"{name}-{len(children)}.log")
        children.append(child)
        return child

    yield start
    for child in children:
        child.close()


@pytest.fixture(scope="session")
def private_mariadb(tmp_path_factory):
    """A MariaDB server of our own (the shared one must never be restarted by a test)."""
    server = PrivateMariaDB(Path(tempfile.mkdtemp(prefix="kezek-faults-db-")))
    try:
        server.install()
        server.start()
        yield server
    finally:
        server.cleanup()


class StubServer:
    """Sandbox at /_sandbox plus a stand-in for Kezek's public media URLs at /m/."""

    def __init__(self, sandbox_app, media_body: bytes):
        from werkzeug.middleware.dispatcher import DispatcherMiddleware
        from werkzeug.wrappers import Response

        def media(environ, start_response):
            return Response(media_body, mimetype="image/jpeg")(environ, start_response)

        def not_found(environ, start_response):
            return Response("not found", status=404)(environ, start_response)

        class Quiet(WSGIRequestHandler):
            def log(self, *a, **k):
                pass

        app = DispatcherMiddleware(not_found, {"/_sandbox": sandbox_app, "/m": media})
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def stub_stack():
    """The Instagram sandbox and a media stand-in on one loopback server."""
    from app.instagram.sandbox import create_sandbox_app

    sandbox = create_sandbox_app({"app_id": IG_APP_ID, "app_secret": IG_APP_SECRET})
    server = StubServer(sandbox, jpeg())
    yield server
    server.stop()
