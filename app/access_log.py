"""Request paths as they may appear in logs: capability tokens and query strings left out.

Public media URLs (/m/<token>/...) and tracked links (/r/<token>) are secrets of their own, and
query strings carry invitation tokens and OAuth codes, so neither the app's request log line
nor gunicorn's access log ever prints them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gunicorn.glogging import Logger

_CAPABILITY_PREFIXES = {"/m/": "/m/<token>/...", "/r/": "/r/<token>"}


def loggable_path(path: str) -> str:
    """`path` (no query string) with capability tokens masked."""
    for prefix, shown in _CAPABILITY_PREFIXES.items():
        if path.startswith(prefix):
            return shown
    return path


class AccessLogger(Logger):
    """Gunicorn's logger with request lines, paths and referrers passed through loggable_path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO") or "/")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = path
        atoms["q"] = ""
        referrer = environ.get("HTTP_REFERER")
        if referrer:
            parts = urlsplit(referrer)
            atoms["f"] = f"{parts.scheme}://{parts.netloc}{loggable_path(parts.path)}"
        return atoms
