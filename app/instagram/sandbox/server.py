"""Run the sandbox on a loopback port in a background thread (tests, demo)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from werkzeug.serving import WSGIRequestHandler, make_server

from app.instagram.sandbox.app import create_sandbox_app
from app.instagram.transport import redact


class _QuietHandler(WSGIRequestHandler):
    """Request log lines with token-like query values redacted."""

    def log(self, type: str, message: str, *args: object) -> None:  # noqa: A002
        clean = tuple(redact(a) if isinstance(a, str) else a for a in args)
        super().log(type, message, *clean)


def start_sandbox_server(
    config: dict | None = None, *, poll_interval: float = 0.05
) -> tuple[str, Callable[[], None]]:
    """Serve a new sandbox app on 127.0.0.1:<free port>; return (base_url, stop)."""
    app = create_sandbox_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    # A short poll interval keeps stop() quick; tests start many servers.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop
