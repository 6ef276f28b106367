"""Helpers shared by the sandbox's Graph handlers: errors, auth, fields, paging."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import current_app, jsonify, request

from app.instagram.sandbox.state import SandboxState, Token

# Transient server-side codes answer 500; everything else answers 400 (the fact
# sheet gives no statuses; these are what Graph typically returns).
_SERVER_CODES = {1, 2, -1, -2}


class GraphError(Exception):
    """Raised by handlers; rendered as Meta's Graph error envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        is_transient: bool = False,
        status: int | None = None,
        error_type: str = "OAuthException",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.user_title = user_title
        self.user_msg = user_msg
        self.is_transient = is_transient
        self.status = status or (500 if code in _SERVER_CODES else 400)
        self.error_type = error_type
        self.headers = headers or {}

    def envelope(self) -> dict[str, Any]:
        """The JSON body Meta sends."""
        err: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
            "is_transient": self.is_transient,
            "fbtrace_id": "A" + secrets.token_hex(10),
        }
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        if self.user_title:
            err["error_user_title"] = self.user_title
        if self.user_msg:
            err["error_user_msg"] = self.user_msg
        return {"error": err}

    def response(self):
        """Render as a Flask response."""
        resp = jsonify(self.envelope())
        resp.status_code = self.status
        for key, value in self.headers.items():
            resp.headers[key] = value
        return resp


def state() -> SandboxState:
    """The sandbox state of the current app."""
    return current_app.extensions["ig_sandbox"]


def params() -> dict[str, Any]:
    """Query, form and JSON body merged (Graph accepts all three)."""
    merged: dict[str, Any] = dict(request.args.items())
    merged.update(request.form.items())
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            merged.update(body)
    return merged


def bearer() -> str | None:
    """The access token from the Authorization header or the access_token param."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return params().get("access_token") or None


def token_or_error(value: str | None) -> Token:
    """Validate a token string against the state (caller holds the lock)."""
    st = state()
    if not value:
        raise GraphError(
            2500,
            "An active access token must be used to query information about the current user.",
            error_type="IGApiException",
        )
    token = st.tokens.get(value)
    if token is None:
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
    if token.expires_at <= st.now():
        raise GraphError(190, "Error validating access token: Session has expired.", subcode=463)
    return token


def require_scope(token: Token, scope: str) -> None:
    """Refuse with (#10) when the user did not grant a permission."""
    if scope not in token.scopes:
        raise GraphError(10, "(#10) Application does not have permission for this action")


def parse_fields(spec: str | None) -> dict[str, dict | None]:
    """Parse `a,b{c,d{e}},f` into {"a": None, "b": {"c": None, ...}, "f": None}."""
    result: dict[str, dict | None] = {}
    if not spec:
        return result
    depth, start = 0, 0
    parts: list[str] = []
    for i, ch in enumerate(spec):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    parts.append(spec[start:])
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if "{" in part and part.endswith("}"):
            name, inner = part.split("{", 1)
            result[name.split(".")[0].strip()] = parse_fields(inner[:-1])
        else:
            result[part.split(".")[0]] = None
    return result


def select(node: dict[str, Any], fields: dict[str, dict | None], default: tuple) -> dict:
    """Keep the requested fields (or the default ones) of a rendered node."""
    wanted = list(fields) if fields else list(default)
    out = {k: node[k] for k in wanted if k in node and node[k] is not None}
    if "id" in node:
        out["id"] = node["id"]
    return out


def encode_cursor(index: int) -> str:
    """Opaque cursor for a position in a list."""
    return base64.urlsafe_b64encode(json.dumps({"i": index}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """Position encoded in a cursor; a bad cursor is an input error."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["i"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphError(100, "Invalid parameter: cursor") from exc


def paginate(
    items: list[Any], default_limit: int, max_limit: int
) -> tuple[list[Any], dict[str, Any]]:
    """Slice `items` by limit/after/before and build Graph's `paging` object."""
    args = params()
    try:
        limit = min(int(args.get("limit") or default_limit), max_limit)
    except ValueError as exc:
        raise GraphError(100, "Invalid parameter: limit") from exc
    after = decode_cursor(args.get("after"))
    before = decode_cursor(args.get("before"))
    start = after + 1 if after is not None else 0
    if before is not None:
        start = max(0, before - limit)
    end = min(len(items), start + max(limit, 1))
    chunk = items[start:end]
    paging: dict[str, Any] = {}
    if chunk:
        paging["cursors"] = {"before": encode_cursor(start), "after": encode_cursor(end - 1)}
        if end < len(items):
            paging["next"] = _page_url(after=encode_cursor(end - 1))
        if start > 0:
            paging["previous"] = _page_url(before=encode_cursor(start))
    return chunk, paging


def _page_url(**cursor: str) -> str:
    # Meta's paging URLs carry the access token; mimic that so clients must strip it.
    query = {k: v for k, v in request.args.items() if k not in ("after", "before")}
    token = bearer()
    if token:
        query["access_token"] = token
    query.update(cursor)
    return f"{base_url()}{request.path}?{urlencode(query)}"


def base_url() -> str:
    """Absolute URL of the sandbox root, honouring a mount prefix."""
    return request.host_url.rstrip("/") + request.script_root


def absolute(url: str | None) -> str | None:
    """Make sandbox-relative media URLs absolute."""
    if url and url.startswith("/"):
        return base_url() + url
    return url
