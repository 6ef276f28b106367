"""Fixtures: the Instagram sandbox over real HTTP, a media file server, a receiver."""

from __future__ import annotations

import functools
import json
import queue
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from ig_helpers import APP_ID, APP_SECRET, Sandbox, jpeg

from app.instagram import InstagramClient
from app.instagram.sandbox import start_sandbox_server


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with custom config; all stopped at teardown."""
    stops: list[Callable[[], None]] = []

    def start(**config: Any) -> Sandbox:
        base = {
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "video_processing_seconds": 30,
            "media_fetch_timeout": 3,
        }
        url, stop = start_sandbox_server({**base, **config})
        stops.append(stop)
        return Sandbox(url)

    yield start
    for stop in stops:
        stop()


@pytest.fixture
def sandbox_server(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A fresh sandbox on a loopback port."""
    return sandbox_factory()


@pytest.fixture
def client_for() -> Callable[..., InstagramClient]:
    """Build an InstagramClient pointed at a sandbox."""

    def build(sandbox: Sandbox, **kwargs: Any) -> InstagramClient:
        settings = {
            "graph_url": sandbox.url,
            "api_url": sandbox.url,
            "authorize_url": f"{sandbox.url}/oauth/authorize",
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "timeout": (2, 5),
        }
        return InstagramClient(**{**settings, **kwargs})

    return build


@pytest.fixture
def client(sandbox_server: Sandbox, client_for) -> InstagramClient:
    """Client for the default sandbox."""
    return client_for(sandbox_server)


@pytest.fixture
def token(sandbox_server: Sandbox) -> str:
    """Long-lived token of the first demo account."""
    return sandbox_server.token()


class _Files(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mp4": "video/mp4",
        ".jpg": "image/jpeg",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def media_server(tmp_path: Path) -> Iterator[str]:
    """Serve generated media over loopback HTTP; returns the base URL."""
    files = {
        "square.jpg": jpeg(1080, 1080),
        "portrait.jpg": jpeg(1080, 1350),
        "tall.jpg": jpeg(600, 1200),
        "story.jpg": jpeg(1080, 1920),
        "wide.jpg": jpeg(1910, 1000),
        "photo.png": jpeg(1080, 1080, "PNG"),
        "reel.mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096,
        "notes.txt": b"not a video",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    handler = functools.partial(_Files, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class Receiver:
    """Loopback webhook endpoint recording raw bodies and signatures."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[bytes, str]] = queue.Queue()
        self.url = ""

    def next(self, timeout: float = 5) -> tuple[dict[str, Any], bytes, str]:
        """Wait for the next delivery."""
        body, signature = self.events.get(timeout=timeout)
        return json.loads(body), body, signature


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    """A tiny HTTP server that stores each POST body and its signature."""
    receiver = Receiver()

    class Handler(SimpleHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.events.put((body, self.headers.get("X-Hub-Signature-256", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield receiver
    server.shutdown()
    server.server_close()
