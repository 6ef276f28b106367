"""Fault injection and usage headers for the sandbox."""

from __future__ import annotations

import fnmatch
import json
import re
import socket
import time
from bisect import bisect_right
from dataclasses import asdict, dataclass
from typing import Any

from flask import Response, jsonify, request

from app.instagram.sandbox.common import GraphError
from app.instagram.sandbox.state import SandboxState

KINDS = (
    "latency",
    "timeout",
    "http_500",
    "bad_gateway",
    "throttle",
    "token_expired",
    "token_invalid",
    "error",
    "oauth_error",
    "disconnect",
    "malformed",
)
THROTTLE_TEXT = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: "(#80002) There have been too many calls to this Instagram account. "
    "Wait a bit and try again.",
}
_VERSION = re.compile(r"^/v\d+\.\d+(?=/|$)")


@dataclass
class Fault:
    kind: str
    endpoint: str = "*"  # fnmatch glob on the unversioned path, or ^regex
    account: str | None = None
    method: str | None = None
    count: int | None = 1  # None = always
    seconds: float = 0.0
    code: int | None = None
    subcode: int | None = None
    message: str | None = None
    status: int | None = None
    is_transient: bool = False
    minutes: float = 5.0  # estimated_time_to_regain_access for throttles
    hits: int = 0

    def matches(self, path: str, method: str, account: str | None) -> bool:
        """Whether this fault applies to a request."""
        if self.count is not None and self.count <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.account and self.account != account:
            return False
        if self.endpoint.startswith("^"):
            return re.search(self.endpoint, path) is not None
        return fnmatch.fnmatchcase(path, self.endpoint)


def make_fault(data: dict[str, Any]) -> Fault:
    """Validate an admin request body into a Fault."""
    if data.get("kind") not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    allowed = set(Fault.__dataclass_fields__) - {"hits"}
    return Fault(**{k: v for k, v in data.items() if k in allowed})


def unversioned(path: str) -> str:
    """Strip the /vNN.N prefix from a Graph path."""
    return _VERSION.sub("", path) or "/"


def usage_headers(
    st: SandboxState, account: str | None, percent: float | None = None, eta: float = 0
) -> dict[str, str]:
    """X-App-Usage and X-Business-Use-Case-Usage as Meta formats them."""
    now = st.now()
    limit = st.config.get("hourly_call_limit") or 4800
    if percent is None:
        # Call times are appended in order: count the last hour by bisection, not by a scan
        # of every call of every account on every request.
        cutoff = now - 3600
        calls = st.calls.get(account or "", [])
        percent = min(100, round(100 * (len(calls) - bisect_right(calls, cutoff)) / limit))
        app_calls = sum(len(ts) - bisect_right(ts, cutoff) for ts in st.calls.values())
        app_percent = min(100, round(100 * app_calls / (limit * 10)))
    else:
        app_percent = percent
    headers = {
        "X-App-Usage": json.dumps(
            {
                "call_count": app_percent,
                "total_cputime": min(app_percent, 1),
                "total_time": min(app_percent, 1),
            }
        )
    }
    if account:
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {
                account: [
                    {
                        "type": "instagram",
                        "call_count": percent,
                        "total_cputime": min(percent, 2),
                        "total_time": min(percent, 2),
                        "estimated_time_to_regain_access": eta,
                    }
                ]
            }
        )
    return headers


def take(st: SandboxState, path: str, method: str, account: str | None) -> Fault | None:
    """Find and consume the first matching fault (caller holds the lock)."""
    for fault in st.faults:
        if fault.matches(unversioned(path), method, account):
            fault.hits += 1
            if fault.count is not None:
                fault.count -= 1
            return fault
    return None


def render(st: SandboxState, fault: Fault, account: str | None) -> Response | None:
    """Act out a fault; None lets the request continue (latency)."""
    if fault.kind == "latency":
        time.sleep(fault.seconds)
        return None
    if fault.kind == "timeout":
        time.sleep(fault.seconds or 5.0)
        return GraphError(
            2, "Service temporarily unavailable", is_transient=True, status=504
        ).response()
    if fault.kind == "http_500":
        return GraphError(
            fault.code or 2,
            fault.message or "An unexpected error has occurred. Please retry your request later.",
            is_transient=True,
            status=fault.status or 500,
        ).response()
    if fault.kind == "bad_gateway":
        return Response(
            "<html><body>502 Bad Gateway</body></html>",
            status=fault.status or 502,
            mimetype="text/html",
        )
    if fault.kind == "malformed":
        return Response("<html>not json", status=200, mimetype="text/html")
    if fault.kind == "throttle":
        code = fault.code or 4
        headers = usage_headers(st, account, percent=100, eta=fault.minutes)
        return GraphError(
            code,
            fault.message or THROTTLE_TEXT.get(code, "Rate limited"),
            subcode=fault.subcode,
            is_transient=True,
            status=fault.status,
            headers=headers,
        ).response()
    if fault.kind in ("token_expired", "token_invalid"):
        sub = 463 if fault.kind == "token_expired" else (fault.subcode or 467)
        return GraphError(
            190, fault.message or "Error validating access token: Session has expired.", subcode=sub
        ).response()
    if fault.kind == "oauth_error":
        resp = jsonify(
            {
                "error_type": "OAuthException",
                "code": fault.code or 400,
                "error_message": fault.message or "Matching code was not found or was already used",
            }
        )
        resp.status_code = fault.status or 400
        return resp
    if fault.kind == "disconnect":
        sock = request.environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)
        return Response("", status=500)
    return GraphError(
        fault.code if fault.code is not None else 1,
        fault.message or "Injected error",
        subcode=fault.subcode,
        is_transient=fault.is_transient,
        status=fault.status,
    ).response()


def describe(st: SandboxState) -> list[dict[str, Any]]:
    """Faults for /_admin/state."""
    return [asdict(f) for f in st.faults]
