"""Queueing events: one delivery row per subscribed, active endpoint of the workspace.

`emit()` is called inside the caller's transaction (the rows appear when it commits, and
vanish with it on a rollback). The helpers below build each event's `data` from our rows:
ids as strings and public fields, never tokens or secrets.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow

EVENT_TYPES = (
    "post.published",
    "post.failed",
    "comment.received",
    "message.received",
    "automation.fired",
    "account.reconnect_needed",
)
TEST_EVENT = "ping"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _id(value) -> str | None:
    return None if value is None else str(value)


def envelope(workspace_id: int, event_type: str, data: dict) -> dict:
    """The JSON body of an event: {"id", "type", "created_at", "workspace_id", "data"}."""
    return {
        "id": "evt_" + uuid.uuid4().hex,
        "type": event_type,
        "created_at": _iso(utcnow()),
        "workspace_id": str(workspace_id),
        "data": data,
    }


def pending_delivery(workspace_id: int, endpoint_id: int, payload: dict) -> WebhookDelivery:
    """A delivery of the event `payload` to one endpoint, due now."""
    now = utcnow()
    return WebhookDelivery(
        workspace_id=workspace_id,
        endpoint_id=endpoint_id,
        event_type=payload["type"],
        event_id=payload["id"],
        payload=payload,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )


def emit(session: Session, workspace_id: int, event_type: str, data: dict) -> int:
    """Queue an event for every active endpoint subscribed to it; return how many."""
    rows = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    targets = [endpoint_id for endpoint_id, events in rows if event_type in (events or ())]
    if not targets:
        return 0
    payload = envelope(workspace_id, event_type, data)
    for endpoint_id in targets:
        session.add(pending_delivery(workspace_id, endpoint_id, payload))
    return len(targets)


# ---- the events Kezek emits ----------------------------------------------------------------


def post_event(session: Session, post, account, event_type: str) -> int:
    """post.published or post.failed for a post of an account."""
    data = {
        "post_id": str(post.id),
        "account_id": _id(post.account_id),
        "username": account.username if account is not None else None,
        "type": post.type,
        "status": post.status,
        "caption": post.caption,
        "scheduled_at": _iso(post.scheduled_at),
    }
    if event_type == "post.published":
        data.update(
            ig_media_id=post.ig_media_id,
            permalink=post.permalink,
            published_at=_iso(post.published_at),
        )
    else:
        data.update(error=post.error_key)
    return emit(session, post.workspace_id, event_type, data)


def comment_received(session: Session, account, comment) -> int:
    """comment.received: a new comment by someone other than the account."""
    data = {
        "comment_id": str(comment.id),
        "ig_comment_id": comment.ig_comment_id,
        "account_id": str(account.id),
        "username": account.username,
        "thread_id": _id(comment.thread_id),
        "ig_media_id": comment.ig_media_id,
        "parent_ig_comment_id": comment.parent_ig_id,
        "from_id": comment.from_id,
        "from_username": comment.username,
        "text": comment.text,
        "created_at": _iso(comment.created_at),
    }
    return emit(session, account.workspace_id, "comment.received", data)


def message_received(session: Session, account, thread, msg) -> int:
    """message.received: a new direct message (or button tap) from a customer."""
    data = {
        "message_id": str(msg.id),
        "mid": msg.mid,
        "account_id": str(account.id),
        "username": account.username,
        "thread_id": str(thread.id),
        "customer_id": thread.customer_id,
        "customer_username": thread.customer_username,
        "kind": msg.kind,
        "text": msg.text,
        "attachments": [a.get("type") for a in msg.attachments or []],
        "story_mention": bool(msg.story_mention),
        "story_reply": msg.story_reply_url is not None,
        "sent_at": _iso(msg.sent_at),
    }
    return emit(session, account.workspace_id, "message.received", data)


def automation_fired(session: Session, ctx, rule, firing) -> int:
    """automation.fired: a rule ran its actions for someone."""
    data = {
        "firing_id": str(firing.id),
        "rule_id": str(rule.id),
        "rule_name": rule.name,
        "trigger": rule.trigger,
        "event_kind": firing.event_kind,
        "account_id": str(ctx.account.id),
        "username": ctx.account.username,
        "contact_id": _id(ctx.contact.id),
        "igsid": ctx.contact.igsid,
        "contact_username": ctx.contact.username,
        "thread_id": _id(firing.thread_id),
        "results": list(firing.results or []),
        "fired_at": _iso(firing.at),
    }
    return emit(session, rule.workspace_id, "automation.fired", data)


def reconnect_needed(session: Session, account, reason: str) -> int:
    """account.reconnect_needed: the account's Instagram token stopped working."""
    data = {
        "account_id": str(account.id),
        "username": account.username,
        "ig_user_id": account.ig_user_id,
        "reason": reason,
    }
    return emit(session, account.workspace_id, "account.reconnect_needed", data)
