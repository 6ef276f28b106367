"""The sandbox Flask app: routing of all three Instagram hosts onto one app."""

from __future__ import annotations

import hashlib
import io
from bisect import insort
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from PIL import Image

from app.instagram.sandbox import admin, faults, oauth, publishing, webhooks
from app.instagram.sandbox import graph_content as content
from app.instagram.sandbox import graph_insights as insights
from app.instagram.sandbox import graph_messaging as messaging
from app.instagram.sandbox.common import GraphError, bearer, params, state, token_or_error
from app.instagram.sandbox.state import DEFAULT_CONFIG, SandboxState, Token

Handler = Callable[[SandboxState, Token, str], dict[str, Any]]
# (node kind, edge, method) -> (handler, runs without the state lock)
ROUTES: dict[tuple[str, str | None, str], tuple[Handler, bool]] = {
    ("account", None, "GET"): (content.get_profile, False),
    ("account", "media", "GET"): (content.list_media, False),
    ("account", "media", "POST"): (publishing.create_container, True),
    ("account", "stories", "GET"): (content.list_stories, False),
    ("account", "media_publish", "POST"): (publishing.publish, False),
    ("account", "content_publishing_limit", "GET"): (publishing.publishing_limit, False),
    ("account", "insights", "GET"): (insights.account_insights, False),
    ("account", "conversations", "GET"): (messaging.list_conversations, False),
    ("account", "messages", "POST"): (messaging.send_message, False),
    ("account", "subscribed_apps", "POST"): (messaging.subscribe, False),
    ("account", "subscribed_apps", "GET"): (messaging.list_subscriptions, False),
    ("account", "subscribed_apps", "DELETE"): (messaging.unsubscribe, False),
    ("media", None, "GET"): (content.get_media, False),
    ("media", "children", "GET"): (content.get_children, False),
    ("media", "comments", "GET"): (content.list_comments, False),
    ("media", "comments", "POST"): (content.create_comment, False),
    ("media", "insights", "GET"): (insights.media_insights, False),
    ("comment", None, "GET"): (content.get_comment, False),
    ("comment", None, "POST"): (content.hide_comment, False),
    ("comment", None, "DELETE"): (content.delete_comment, False),
    ("comment", "replies", "GET"): (content.list_replies, False),
    ("comment", "replies", "POST"): (content.create_reply, False),
    ("container", None, "GET"): (publishing.get_container, False),
    ("conversation", None, "GET"): (messaging.get_conversation, False),
    ("message", None, "GET"): (messaging.get_message, False),
}
NODE_TYPES = {
    "account": "IGUser",
    "media": "IGMedia",
    "comment": "IGComment",
    "container": "IGContainer",
    "conversation": "Conversation",
    "message": "Message",
}
_UNGUARDED = ("/_admin", "/_cdn")


def create_sandbox_app(config: dict | None = None) -> Flask:
    """Build the sandbox app; `config` overrides DEFAULT_CONFIG keys."""
    merged = {**DEFAULT_CONFIG, **(config or {})}
    app = Flask(__name__)
    app.config["IG_SANDBOX_CONFIG"] = merged
    app.extensions["ig_sandbox"] = admin.fresh_state(merged)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(webhooks.bp)
    app.register_error_handler(GraphError, lambda err: err.response())
    app.before_request(_apply_faults)
    app.after_request(_usage_headers)
    app.add_url_rule("/_cdn/<name>", "cdn", _cdn)
    app.add_url_rule(
        "/", "graph_root", _graph, methods=["GET", "POST", "DELETE"], defaults={"path": ""}
    )
    app.add_url_rule("/<path:path>", "graph", _graph, methods=["GET", "POST", "DELETE"])
    return app


def _account_of_request(st: SandboxState) -> str | None:
    token = st.tokens.get(bearer() or "")
    return token.ig_id if token else None


def _apply_faults() -> Response | None:
    if request.path.startswith(_UNGUARDED):
        return None
    st = state()
    with st.lock:
        account = _account_of_request(st)
        g.ig_account = account
        fault = faults.take(st, request.path, request.method, account)
        if fault is None and account and _over_limit(st, account):
            headers = faults.usage_headers(st, account, percent=100, eta=60)
            return GraphError(
                80002, faults.THROTTLE_TEXT[80002], is_transient=True, headers=headers
            ).response()
        if account:
            # Kept sorted (the test clock can be moved back) for the usage headers' bisection.
            insort(st.calls.setdefault(account, []), st.now())
    return faults.render(st, fault, account) if fault else None


def _over_limit(st: SandboxState, account: str) -> bool:
    limit = st.config.get("hourly_call_limit")
    if not limit:
        return False
    recent = [t for t in st.calls.get(account, []) if t > st.now() - 3600]
    st.calls[account] = recent
    return len(recent) >= limit


def _usage_headers(resp: Response) -> Response:
    account = g.get("ig_account")
    if account and "X-App-Usage" not in resp.headers:
        st = state()
        with st.lock:
            resp.headers.update(faults.usage_headers(st, account))
    return resp


def _graph(path: str):
    st = state()
    clean = faults.unversioned("/" + path).strip("/")
    if clean in ("access_token", "refresh_access_token") and request.method == "GET":
        with st.lock:
            handler = oauth.long_lived if clean == "access_token" else oauth.refresh
            return jsonify(handler(st, params()))
    segments = clean.split("/") if clean else []
    if not 1 <= len(segments) <= 2:
        raise GraphError(100, f"Unsupported {request.method.lower()} request.")
    node, edge = segments[0], (segments[1] if len(segments) == 2 else None)
    with st.lock:
        token = token_or_error(bearer())
        node = token.ig_id if node == "me" else node
        kind = st.node_kind(node)
        if kind is None or _owner(st, kind, node) != token.ig_id:
            raise GraphError(
                100,
                f"Unsupported {request.method.lower()} request. Object with ID "
                f"'{node}' does not exist, cannot be loaded due to missing permissions, "
                "or does not support this operation.",
                subcode=33,
            )
        entry = ROUTES.get((kind, edge, request.method))
        if entry is None:
            raise GraphError(
                100,
                f"(#100) Tried accessing nonexisting field "
                f"({edge or request.method.lower()}) on node type "
                f"({NODE_TYPES[kind]})",
            )
        handler, unlocked = entry
        if not unlocked:
            return jsonify(handler(st, token, node))
    return jsonify(handler(st, token, node))


def _owner(st: SandboxState, kind: str, node: str) -> str | None:
    if kind == "account":
        return node
    if kind == "media":
        return st.media[node].owner
    if kind == "comment":
        return st.media[st.comments[node].media_id].owner
    if kind == "container":
        return st.containers[node].owner
    if kind == "conversation":
        return st.conversations[node].ig_id
    return st.conversations[st.messages[node].conversation_id].ig_id


def _cdn(name: str) -> Response:
    # Placeholder media for seeded posts: a flat-colour JPEG, or a stub MP4 body.
    digest = hashlib.sha256(name.encode()).digest()
    if name.endswith(".mp4"):
        return Response(b"\x00\x00\x00\x18ftypmp42" + digest * 32, mimetype="video/mp4")
    buf = io.BytesIO()
    Image.new("RGB", (320, 320), tuple(digest[:3])).save(buf, "JPEG")
    return Response(buf.getvalue(), mimetype="image/jpeg")
