"""The inbox's storage: idempotent upserts of comments and messages, and webhook processing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    ThreadKind,
    ThreadStatus,
    WebhookEvent,
    utcnow,
)
from app.services.automations import hook as automation_hook
from app.services.outgoing_webhooks import events as webhook_events
from app.services.webhooks import CommentEvent, MessagingEvent, parse_body, parse_entries

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCHES_PER_RUN = 100
PREVIEW_LENGTH = 255


def get_or_create(session: Session, model, lookup: dict, defaults: dict):
    """The row with `lookup`, or a new one; safe when another process inserts it meanwhile."""
    row = session.scalar(select(model).filter_by(**lookup))
    if row is not None:
        return row, False
    row = model(**lookup, **defaults)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A unique key (Instagram id) was inserted by someone else: use theirs.
        row = session.scalar(select(model).filter_by(**lookup))
        if row is None:
            raise
        return row, False
    return row, True


def thread_for(
    session: Session, account: InstagramAccount, kind: ThreadKind, key: str, at: datetime
) -> InboxThread:
    """The comment thread or conversation of an account, created on first sight."""
    thread, _ = get_or_create(
        session,
        InboxThread,
        {"account_id": account.id, "kind": kind.value, "thread_key": key[:64]},
        {
            "workspace_id": account.workspace_id,
            "last_activity_at": at,
            "status": ThreadStatus.OPEN.value,
            "unread_count": 0,
            "preview": "",
        },
    )
    return thread


def touch(thread: InboxThread, at: datetime, preview: str | None, *, unread: bool) -> None:
    """Record activity on a thread (events may arrive out of order: keep the newest)."""
    if at >= thread.last_activity_at:
        thread.last_activity_at = at
        if preview:
            thread.preview = preview[:PREVIEW_LENGTH]
    elif not thread.preview and preview:
        thread.preview = preview[:PREVIEW_LENGTH]
    if unread:
        thread.unread_count = (thread.unread_count or 0) + 1
        thread.status = ThreadStatus.OPEN.value


def apply_comment(
    session: Session,
    account: InstagramAccount,
    ev: CommentEvent,
    *,
    unread: bool = True,
    hidden: bool | None = None,
) -> InboxComment | None:
    """Store a comment once; a reply before its parent makes the thread wait for it."""
    at = ev.at or utcnow()
    own = ev.self_scoped or ev.from_id == account.ig_user_id
    top_id = ev.parent_id or ev.comment_id
    thread = thread_for(session, account, ThreadKind.COMMENT, top_id, at)
    comment, created = get_or_create(
        session,
        InboxComment,
        {"account_id": account.id, "ig_comment_id": ev.comment_id},
        {"workspace_id": account.workspace_id, "thread_id": thread.id, "received": False},
    )
    if comment.received and not created:
        if hidden is not None:
            comment.hidden = hidden
        return None  # a duplicate delivery or a comment already synced
    comment.received = True
    comment.parent_ig_id = ev.parent_id
    comment.ig_media_id = ev.media_id
    comment.from_id = ev.from_id
    comment.username = ev.username
    comment.text = ev.text
    comment.is_own = own
    comment.created_at = at
    if hidden is not None:
        comment.hidden = hidden
    thread.ig_media_id = thread.ig_media_id or ev.media_id
    if not own and (ev.parent_id is None or thread.customer_id is None):
        thread.customer_id = ev.from_id
        thread.customer_username = ev.username
    touch(thread, at, ev.text, unread=unread and not own)
    if unread and not own and ev.from_id:  # a new customer comment (not the first backfill)
        webhook_events.comment_received(session, account, comment)
    return comment


def _message_defaults(account, thread, at) -> dict:
    return {
        "workspace_id": account.workspace_id,
        "thread_id": thread.id,
        "received": False,
        "sent_at": at,
    }


def apply_messaging(
    session: Session,
    account: InstagramAccount,
    ev: MessagingEvent,
    *,
    unread: bool = True,
    username: str | None = None,
) -> InboxMessage | None:
    """Apply one messaging event: messages and echoes once by `mid`, then edits and reactions."""
    if ev.kind == "other":
        return None
    outgoing = ev.is_echo or ev.sender_id == account.ig_user_id
    customer = ev.recipient_id if outgoing else ev.sender_id
    if not customer or customer == account.ig_user_id:
        return None  # a message to oneself (is_self) or a malformed party
    at = ev.at or utcnow()
    if ev.kind == "read":
        return _apply_read(session, account, customer, ev, at)
    thread = thread_for(session, account, ThreadKind.DM, customer, at)
    thread.customer_id = customer
    if username and not outgoing:
        thread.customer_username = username
    mid = ev.mid or f"{ev.kind}:{ev.sender_id}:{int(at.timestamp() * 1000)}"
    msg, created = get_or_create(
        session,
        InboxMessage,
        {"account_id": account.id, "mid": mid},
        _message_defaults(account, thread, at),
    )
    if ev.kind in ("message", "postback"):
        if ev.is_deleted:
            msg.deleted = True
            return msg
        if msg.received:
            return None  # duplicate (Meta retries for 36 hours) or our own send
        _fill_message(msg, ev, outgoing, at)
        incoming = not outgoing
        if incoming:
            last = thread.last_customer_message_at
            thread.last_customer_message_at = at if last is None or at > last else last
        touch(thread, at, _preview(msg), unread=unread and incoming)
        if unread and incoming:  # a new customer message (not an echo, nor the first backfill)
            webhook_events.message_received(session, account, thread, msg)
        return msg
    if ev.kind == "edit":
        if ev.num_edit >= (msg.num_edit or 0):
            msg.text = ev.text
            msg.num_edit = max(ev.num_edit, 1)
        return msg
    if ev.kind == "reaction":
        side = "customer" if ev.sender_id == customer else "account"
        reactions = dict(msg.reactions or {})
        if ev.reaction_action == "unreact":
            reactions.pop(side, None)
        else:
            reactions[side] = ev.reaction or "❤"
        msg.reactions = reactions or None
        return msg
    return None


def _fill_message(msg: InboxMessage, ev: MessagingEvent, outgoing: bool, at: datetime) -> None:
    msg.received = True
    msg.outgoing = outgoing
    msg.kind = "unsupported" if ev.is_unsupported else ev.kind
    if not msg.num_edit:  # an edit that arrived first already holds the newest text
        msg.text = ev.text
    msg.attachments = ev.attachments or None
    msg.story_mention = any(a.get("type") == "story_mention" for a in ev.attachments)
    msg.story_reply_url = ev.story_reply_url
    msg.reply_to_mid = ev.reply_to_mid
    msg.sent_at = at


def _preview(msg: InboxMessage) -> str:
    if msg.text:
        return msg.text
    if msg.attachments:
        return f"[{msg.attachments[0].get('type') or 'attachment'}]"
    return ""


def _apply_read(session, account, customer, ev, at) -> None:
    thread = session.scalar(
        select(InboxThread).where(
            InboxThread.account_id == account.id,
            InboxThread.kind == ThreadKind.DM.value,
            InboxThread.thread_key == customer,
        )
    )
    if thread is None or ev.sender_id != customer:
        return None
    if thread.customer_read_at is None or at > thread.customer_read_at:
        thread.customer_read_at = at
    if ev.mid:
        msg = session.scalar(
            select(InboxMessage).where(
                InboxMessage.account_id == account.id, InboxMessage.mid == ev.mid
            )
        )
        if msg is not None:
            msg.read = True
    return None


def process_batch(session: Session, event: WebhookEvent, accounts: dict) -> None:
    """Apply every entry of one stored batch; entries for unknown accounts are counted."""
    data = parse_body(event.body)
    entries = parse_entries(data) if data is not None else []
    event.entries = len(entries)
    event.dropped = 0
    now = utcnow()
    for entry in entries:
        if entry.ig_id not in accounts:
            accounts[entry.ig_id] = session.scalar(
                select(InstagramAccount).where(InstagramAccount.ig_user_id == entry.ig_id)
            )
        account = accounts[entry.ig_id]
        if account is None:
            event.dropped += 1
            log.warning("webhook for an unknown account dropped", extra={"ig_id": entry.ig_id})
            continue
        account.last_webhook_at = now
        for comment in entry.comments:
            automation_hook.on_comment(session, account, apply_comment(session, account, comment))
        for item in entry.messaging:
            stored = apply_messaging(session, account, item)
            automation_hook.on_message(session, account, item, stored)


def process_pending(session: Session, limit: int = BATCHES_PER_RUN) -> dict:
    """Claim stored batches (SKIP LOCKED on MariaDB) and process each in a savepoint."""
    stmt = (
        select(WebhookEvent)
        .where(WebhookEvent.status == "pending")
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    counts = {"batches": 0, "failed": 0, "dropped": 0}
    accounts: dict = {}
    for event in session.scalars(stmt).all():
        event.attempts += 1
        try:
            with session.begin_nested():
                process_batch(session, event, accounts)
        except Exception as exc:  # one bad batch must not block the others
            log.exception("webhook batch failed", extra={"event": event.id})
            accounts.clear()
            event.error = type(exc).__name__[:255]
            if event.attempts >= MAX_ATTEMPTS:
                event.status = "failed"
                counts["failed"] += 1
            continue
        event.status = "done"
        event.processed_at = utcnow()
        event.error = None
        counts["batches"] += 1
        counts["dropped"] += event.dropped
    if counts["dropped"]:
        log.warning("webhook entries dropped for unknown accounts", extra=counts)
    return counts


def purge_webhook_events(session: Session, keep: timedelta, now: datetime | None = None) -> int:
    """Delete processed batches older than `keep` (they hold customers' texts)."""
    from sqlalchemy import delete

    cutoff = (now or utcnow()) - keep
    result = session.execute(
        delete(WebhookEvent).where(
            WebhookEvent.status != "pending", WebhookEvent.received_at < cutoff
        )
    )
    return result.rowcount or 0
