"""Signed webhook emission (§8) and the demo customer who triggers it."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from html import escape
from typing import Any

import requests
from flask import Blueprint, Response, abort, request, url_for

from app.instagram.sandbox.common import state
from app.instagram.sandbox.state import Comment, Conversation, Message, SandboxState

log = logging.getLogger(__name__)
bp = Blueprint("ig_demo", __name__)


def sign(body: bytes, secret: str) -> str:
    """X-Hub-Signature-256 value for a raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def emit(st: SandboxState, ig_id: str, field: str, entry: dict[str, Any]) -> bool:
    """Queue one signed delivery if a URL is configured and the field subscribed."""
    url = st.config.get("webhook_url")
    subscribed = field in st.subscriptions.get(ig_id, [])
    if not url or (st.config["webhooks_require_subscription"] and not subscribed):
        return False
    entry = {"id": ig_id, "time": int(st.now()), **entry}
    body = json.dumps({"object": "instagram", "entry": [entry]}).encode()
    secret = st.config.get("webhook_secret") or st.config["app_secret"]
    record = {"field": field, "ig_id": ig_id, "status": None}
    st.webhook_log.append(record)
    threading.Thread(target=_deliver, args=(url, body, secret, record), daemon=True).start()
    return True


def _deliver(url: str, body: bytes, secret: str, record: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}
    try:
        resp = requests.post(url, data=body, headers=headers, timeout=(3, 10))
        record["status"] = resp.status_code
    except requests.RequestException as exc:
        # Delivery failures are the receiver's problem: log, never raise.
        record["status"] = "failed"
        log.warning("webhook delivery to %s failed: %s", url, type(exc).__name__)


def emit_comment(st: SandboxState, comment: Comment) -> bool:
    """Deliver a `comments` event, with or without the changes[] wrapper."""
    media = st.media[comment.media_id]
    value: dict[str, Any] = {
        "id": comment.id,
        "text": comment.text,
        "from": {"id": comment.author_id, "username": comment.username},
        "media": {"id": media.id, "media_product_type": media.product_type},
    }
    if comment.parent_id:
        value["parent_id"] = comment.parent_id
    if st.config["comments_webhook_shape"] == "flat":
        entry: dict[str, Any] = {"field": "comments", "value": value}
    else:
        entry = {"changes": [{"field": "comments", "value": value}]}
    return emit(st, media.owner, "comments", entry)


def _messaging(msg: Message, echo: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": msg.id}
    if msg.text is not None:
        message["text"] = msg.text
    if msg.attachments:
        message["attachments"] = msg.attachments
    if echo:
        message["is_echo"] = True
    return {
        "messaging": [
            {
                "sender": {"id": msg.sender_id},
                "recipient": {"id": msg.recipient_id},
                "timestamp": int(msg.created * 1000),
                "message": message,
            }
        ]
    }


def emit_echo(st: SandboxState, msg: Message) -> bool:
    """Echo of a message the account sent (field message_echoes)."""
    return emit(st, msg.sender_id, "message_echoes", _messaging(msg, echo=True))


def customer_comment(st: SandboxState, data: dict[str, Any]) -> Comment:
    """A demo customer comments (or replies) on a media item."""
    media = st.media.get(str(data.get("media_id", "")))
    customer = st.customers.get(str(data.get("customer_id") or "6100000000000001"))
    if media is None or customer is None or media.is_child:
        abort(404, "unknown media_id or customer_id")
    comment = Comment(
        id=st.next_id(),
        media_id=media.id,
        author_id=customer.igsid,
        username=customer.username,
        text=str(data.get("text") or "Керемет!"),
        timestamp=st.now(),
        parent_id=data.get("parent_id") or None,
    )
    st.comments[comment.id] = comment
    emit_comment(st, comment)
    return comment


def customer_message(st: SandboxState, data: dict[str, Any]) -> Message:
    """A demo customer sends a DM, opening the 24 h window."""
    ig_id = str(data.get("ig_user_id", ""))
    customer = st.customers.get(str(data.get("customer_id") or "6100000000000001"))
    if ig_id not in st.accounts or customer is None:
        abort(404, "unknown ig_user_id or customer_id")
    conv = next(
        (
            c
            for c in st.conversations.values()
            if c.ig_id == ig_id and c.customer_id == customer.igsid
        ),
        None,
    )
    if conv is None:
        conv = Conversation(
            id=f"aWdfVGhyZWFk{st.next_id()}", ig_id=ig_id, customer_id=customer.igsid
        )
        st.conversations[conv.id] = conv
    now = st.now()
    msg = Message(
        id=f"aWdfZAG{st.next_id()}",
        conversation_id=conv.id,
        sender_id=customer.igsid,
        recipient_id=ig_id,
        text=str(data.get("text") or "Сәлем!"),
        created=now,
    )
    st.messages[msg.id] = msg
    conv.message_ids.append(msg.id)
    conv.updated = conv.last_customer_message = now
    emit(st, ig_id, "messages", _messaging(msg, echo=False))
    return msg


def _payload() -> dict[str, Any]:
    return request.get_json(silent=True) or request.form.to_dict()


@bp.post("/_admin/customer/comment")
def post_customer_comment():
    """Demo customer comment; JSON or form; answers the new comment id."""
    st = state()
    with st.lock:
        comment = customer_comment(st, _payload())
    return _answer({"id": comment.id})


@bp.post("/_admin/customer/message")
def post_customer_message():
    """Demo customer DM; JSON or form; answers the message id."""
    st = state()
    with st.lock:
        msg = customer_message(st, _payload())
    return _answer({"mid": msg.id, "conversation_id": msg.conversation_id})


def _answer(data: dict[str, Any]):
    if request.is_json:
        return data
    return Response(
        f"<p>Done: {escape(json.dumps(data))}</p>"
        f'<p><a href="{url_for("ig_demo.customer_page")}">Back</a></p>'
    )


@bp.get("/_admin/customer")
def customer_page():
    """Small HTML page for demo customers to comment and send DMs."""
    st = state()
    with st.lock:
        customers = "".join(
            f'<option value="{c.igsid}">{escape(c.username)}</option>'
            for c in st.customers.values()
        )
        accounts = "".join(
            f'<option value="{a.ig_id}">{escape(a.username)}</option>' for a in st.accounts.values()
        )
        media = "".join(
            f'<option value="{m.id}">{escape(st.accounts[m.owner].username)} · '
            f"{escape((m.caption or m.media_type)[:40])}</option>"
            for m in sorted(st.media.values(), key=lambda m: -m.timestamp)
            if not m.is_child and m.product_type != "STORY"
        )
    page = f"""<!doctype html><html lang="ru"><meta charset="utf-8">
<title>Sandbox customer</title><body style="font-family:sans-serif;max-width:40em">
<h1>Demo customer</h1>
<form method="post" action="{url_for("ig_demo.post_customer_comment")}"><h2>Comment</h2>
<select name="customer_id">{customers}</select> <select name="media_id">{media}</select>
<input name="text" value="Керемет! Сколько стоит?"> <button>Comment</button></form>
<form method="post" action="{url_for("ig_demo.post_customer_message")}"><h2>DM</h2>
<select name="customer_id">{customers}</select> <select name="ig_user_id">{accounts}</select>
<input name="text" value="Сәлеметсіз бе!"> <button>Send</button></form></body></html>"""
    return Response(page, mimetype="text/html")
