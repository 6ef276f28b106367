"""Sandbox handlers: conversations, Send API, private replies, subscribed_apps."""

from __future__ import annotations

import json
from typing import Any

from app.instagram.sandbox import webhooks
from app.instagram.sandbox.common import (
    GraphError,
    params,
    parse_fields,
    require_scope,
    select,
)
from app.instagram.sandbox.state import Conversation, Message, SandboxState, Token, iso

WEBHOOK_FIELDS = (
    "comments",
    "live_comments",
    "mentions",
    "messages",
    "message_echoes",
    "message_reactions",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "messaging_optins",
    "messaging_handover",
    "standby",
)
READABLE_MESSAGES = 20
WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 86400
PRIVATE_REPLY_WINDOW = 7 * 86400


def list_conversations(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /me/conversations?platform=instagram[&user_id=IGSID]."""
    require_scope(token, "instagram_business_manage_messages")
    args = params()
    convs = [c for c in st.conversations.values() if c.ig_id == node]
    if args.get("user_id"):
        convs = [c for c in convs if c.customer_id == str(args["user_id"])]
    convs.sort(key=lambda c: c.updated, reverse=True)
    return {"data": [{"id": c.id, "updated_time": iso(c.updated)} for c in convs]}


def _render_message(st: SandboxState, msg: Message) -> dict[str, Any]:
    def party(pid: str) -> dict[str, str]:
        who = st.accounts.get(pid) or st.customers.get(pid)
        return {"username": who.username if who else "", "id": pid}

    node = {
        "id": msg.id,
        "created_time": iso(msg.created),
        "from": party(msg.sender_id),
        "to": {"data": [party(msg.recipient_id)]},
        "message": msg.text or "",
    }
    if msg.attachments:
        node["attachments"] = {"data": msg.attachments}
    return node


def get_conversation(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<CONV_ID>?fields=messages (expansion `messages{...}` supported)."""
    require_scope(token, "instagram_business_manage_messages")
    conv = st.conversations[node]
    fields = parse_fields(params().get("fields")) or {"messages": None}
    out: dict[str, Any] = {"id": conv.id}
    if "updated_time" in fields:
        out["updated_time"] = iso(conv.updated)
    if "messages" in fields:
        sub = fields["messages"] or {"id": None, "created_time": None}
        newest = sorted(
            (st.messages[m] for m in conv.message_ids),
            key=lambda m: m.created,
            reverse=True,
        )
        out["messages"] = {"data": [select(_render_message(st, m), sub, ("id",)) for m in newest]}
    return out


def get_message(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<MESSAGE_ID>: only the 20 newest messages of a thread are readable."""
    require_scope(token, "instagram_business_manage_messages")
    msg = st.messages[node]
    conv = st.conversations[msg.conversation_id]
    newest = sorted(conv.message_ids, key=lambda m: st.messages[m].created)[-READABLE_MESSAGES:]
    if msg.id not in newest:
        raise GraphError(100, "(#100) This message has been deleted", subcode=2534022)
    fields = parse_fields(params().get("fields"))
    return select(_render_message(st, msg), fields, ("id", "created_time"))


def _message_body(body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    message = body.get("message")
    if isinstance(message, str):  # form-encoded JSON strings
        message = json.loads(message)
    if not isinstance(message, dict):
        raise GraphError(100, "(#100) param message must be non-empty.")
    text = message.get("text")
    attachments = list(message.get("attachments") or [])
    if message.get("attachment"):
        attachments.append(message["attachment"])
    if text is None and not attachments:
        raise GraphError(100, "(#100) param message must be non-empty.")
    if text is not None and len(str(text).encode("utf-8")) > 1000:
        raise GraphError(
            100, "(#100) Length of param message[text] must be less than or equal to 1000"
        )
    for att in attachments:
        if not (att.get("payload") or {}).get("url") and att.get("type") != "like_heart":
            raise GraphError(100, "(#100) Invalid attachment payload")
    return text, attachments


def send_message(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<IG_ID>/messages: DM, attachment or private reply to a comment."""
    body = params()
    recipient = body.get("recipient")
    if isinstance(recipient, str):
        recipient = json.loads(recipient)
    if not isinstance(recipient, dict):
        raise GraphError(100, "(#100) param recipient must be non-empty.")
    text, attachments = _message_body(body)
    now = st.now()
    if recipient.get("comment_id"):
        require_scope(token, "instagram_business_manage_comments")
        comment = st.comments.get(str(recipient["comment_id"]))
        if comment is None or st.media[comment.media_id].owner != node:
            raise GraphError(100, "(#100) Invalid comment_id", subcode=2534014)
        if comment.private_replied:
            raise GraphError(
                10, "(#10) Only one private reply is allowed per comment", subcode=2534023
            )
        if now - comment.timestamp > PRIVATE_REPLY_WINDOW:
            raise GraphError(
                10, "(#10) This message is sent outside of allowed window.", subcode=2534022
            )
        comment.private_replied = True
        customer_id = comment.author_id
    else:
        require_scope(token, "instagram_business_manage_messages")
        customer_id = str(recipient.get("id") or "")
        conv = _conversation(st, node, customer_id, create=False)
        last = conv.last_customer_message if conv else None
        # Conversations must be started by the person; then 24 h (7 d human agent).
        tagged = str(body.get("tag", "")).upper() == "HUMAN_AGENT"
        window = HUMAN_AGENT_WINDOW if tagged else WINDOW
        if customer_id not in st.customers or last is None or now - last > window:
            raise GraphError(
                10, "(#10) This message is sent outside of allowed window.", subcode=2534022
            )
    conv = _conversation(st, node, customer_id, create=True)
    msg = Message(
        id=f"aWdfZAG{st.next_id()}",
        conversation_id=conv.id,
        sender_id=node,
        recipient_id=customer_id,
        text=text,
        created=now,
        attachments=attachments,
    )
    st.messages[msg.id] = msg
    conv.message_ids.append(msg.id)
    conv.updated = now
    webhooks.emit_echo(st, msg)
    return {"recipient_id": customer_id, "message_id": msg.id}


def _conversation(
    st: SandboxState, ig_id: str, customer_id: str, *, create: bool
) -> Conversation | None:
    for conv in st.conversations.values():
        if conv.ig_id == ig_id and conv.customer_id == customer_id:
            return conv
    if not create:
        return None
    conv = Conversation(id=f"aWdfVGhyZWFk{st.next_id()}", ig_id=ig_id, customer_id=customer_id)
    st.conversations[conv.id] = conv
    return conv


def subscribe(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<IG_ID>/subscribed_apps?subscribed_fields=..."""
    raw = params().get("subscribed_fields")
    fields = raw if isinstance(raw, list) else str(raw or "").split(",")
    fields = [f.strip() for f in fields if f.strip()]
    if not fields:
        raise GraphError(100, "(#100) The parameter subscribed_fields is required.")
    bad = [f for f in fields if f not in WEBHOOK_FIELDS]
    if bad:
        raise GraphError(
            100,
            f"(#100) Param subscribed_fields[0] must be one of "
            f'{{{", ".join(WEBHOOK_FIELDS)}}} - got "{bad[0]}".',
        )
    st.subscriptions[node] = sorted(set(fields))
    return {"success": True}


def list_subscriptions(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<IG_ID>/subscribed_apps."""
    fields = st.subscriptions.get(node)
    if not fields:
        return {"data": []}
    return {
        "data": [
            {"subscribed_fields": fields, "id": st.config["app_id"], "name": "Kezek Sandbox App"}
        ]
    }


def unsubscribe(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """DELETE /<IG_ID>/subscribed_apps."""
    st.subscriptions.pop(node, None)
    return {"success": True}
