"""JSON-lines logging to stdout, with the request id, and secrets redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

# Secret query parameters; `code` only when long enough to be an OAuth code, not an error code.
_REDACT = re.compile(
    r"\b(access_token|client_secret|password|token|code(?==[^&\s\"']{16,}))=([^&\s\"']+)",
    re.IGNORECASE,
)
_STD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    """Mask values of secret-looking query parameters."""
    return _REDACT.sub(lambda m: f"{m.group(1)}=[redacted]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if has_request_context() and g.get("request_id"):
            data["request_id"] = g.request_id
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("_"):
                data[key] = value if isinstance(value, int | float | bool) else redact(str(value))
        if record.exc_info:
            data["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is now (test runners swap it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stdout as JSON lines (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kezek", False):
            break
    else:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        handler._kezek = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
