"""Polling that fills webhook gaps (comments, conversations) and the retention purge."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.instagram import ErrorKind, InstagramClient, InstagramError
from app.models import (
    AccountStatus,
    InboxComment,
    InboxMessage,
    InboxSyncState,
    InboxThread,
    InstagramAccount,
    InstagramMedia,
    ThreadKind,
    utcnow,
)
from app.services.accounts import handle_error
from app.services.crypto import TokenCryptoError
from app.services.inbox import apply_comment, apply_messaging, purge_webhook_events
from app.services.instagram import read_token, record_usage
from app.services.webhooks import CommentEvent, MessagingEvent

log = logging.getLogger(__name__)

MEDIA_PER_SYNC = 10
RECENT_MEDIA = timedelta(days=14)
ACTIVE_THREADS = timedelta(days=3)
CONVERSATIONS_PER_SYNC = 25
MESSAGE_EXPANSION = "messages{id,created_time,from,to,message,attachments}"
USAGE_CEILING = 75  # percent: above it, polling waits (reference §10.4)
# A poll due this close to the end of a pause goes ahead (stored times lose their fraction).
USAGE_SLACK = timedelta(seconds=5)
WEBHOOK_KEEP = timedelta(days=7)


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z",):
        try:
            return datetime.strptime(value, fmt).astimezone(UTC)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def due_states(session: Session, now: datetime, limit: int = 5) -> list[InboxSyncState]:
    """Sync states due now (new accounts get one at once), claimed with SKIP LOCKED."""
    missing = session.scalars(
        select(InstagramAccount.id).where(
            InstagramAccount.status == AccountStatus.ACTIVE.value,
            ~select(InboxSyncState.id)
            .where(InboxSyncState.account_id == InstagramAccount.id)
            .exists(),
        )
    ).all()
    for account_id in missing:
        session.add(InboxSyncState(account_id=account_id, next_at=now, calls=0))
    if missing:
        session.flush()
    stmt = (
        select(InboxSyncState)
        .where(InboxSyncState.next_at <= now)
        .order_by(InboxSyncState.next_at)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def sync_due(session: Session, settings, client: InstagramClient, now=None) -> dict:
    """Sync every account whose turn it is; return what was found."""
    now = now or utcnow()
    totals = {"accounts": 0, "comments": 0, "messages": 0, "calls": 0}
    for state in due_states(session, now):
        account = session.get(InstagramAccount, state.account_id)
        counts = sync_account(session, settings, client, account, state, now)
        totals["accounts"] += 1
        for key in ("comments", "messages", "calls"):
            totals[key] += counts[key]
    return totals


def sync_account(session, settings, client, account, state, now) -> dict:
    """Poll an account's active media and conversations, within its rate-limit state."""
    counts = {"comments": 0, "messages": 0, "calls": 0}
    interval = timedelta(minutes=settings.INBOX_SYNC_MINUTES)
    if account.status != AccountStatus.ACTIVE.value:
        state.next_at = now + interval
        return counts
    resume = usage_resume_at(account, interval)
    if resume is not None and now < resume - USAGE_SLACK:
        state.next_at = resume
        state.error = "rate_limited"
        return counts
    first = state.synced_at is None
    try:
        token = read_token(settings, account)
        _sync_comments(session, client, account, token, now, counts, unread=not first)
        _sync_conversations(session, client, account, state, token, counts, unread=not first)
    except TokenCryptoError:
        state.error = "token_unreadable"
    except InstagramError as e:
        if e.usage is not None:
            # A throttled answer's usage headers (e.g. an app-level X-App-Usage, which
            # names no account) are this account's rate-limit state too.
            record_usage(account, e.usage)
        handle_error(session, account, e)
        state.error = e.message_key[:64]
        wait = e.retry_after_seconds or 15 * 60
        if e.kind is ErrorKind.RATE_LIMITED:
            interval = max(interval, timedelta(seconds=wait))
    else:
        state.error = None
        state.synced_at = now
    state.calls = counts["calls"]
    state.next_at = now + interval
    session.flush()
    return counts


def usage_resume_at(account: InstagramAccount, interval: timedelta) -> datetime | None:
    """Until when polling pauses for the account's last usage reading (None: no pause).

    A reading at or above USAGE_CEILING pauses polling for Instagram's
    `estimated_time_to_regain_access`, and at least one polling interval, from the time it
    was taken; then one poll is made, and its answers bring a fresh reading.
    """
    usage = account.usage or {}
    if (account.usage_percent or 0) < USAGE_CEILING:
        return None
    at = _parse_time(usage.get("at"))
    if at is None:
        return None
    regain = timedelta(seconds=usage.get("regain_access_seconds") or 0)
    return at + max(interval, regain)


def _media_ids(session, client, account, token, now, counts) -> list[str]:
    recent = session.scalars(
        select(InstagramMedia.ig_media_id)
        .where(
            InstagramMedia.account_id == account.id,
            InstagramMedia.posted_at >= now - RECENT_MEDIA,
        )
        .order_by(InstagramMedia.posted_at.desc())
        .limit(MEDIA_PER_SYNC)
    ).all()
    active = session.scalars(
        select(InboxThread.ig_media_id)
        .where(
            InboxThread.account_id == account.id,
            InboxThread.kind == ThreadKind.COMMENT.value,
            InboxThread.last_activity_at >= now - ACTIVE_THREADS,
            InboxThread.ig_media_id.is_not(None),
        )
        .distinct()
        .limit(MEDIA_PER_SYNC)
    ).all()
    ids = list(dict.fromkeys([*recent, *active]))
    if not ids and not session.scalar(
        select(func.count(InstagramMedia.id)).where(InstagramMedia.account_id == account.id)
    ):
        counts["calls"] += 1  # nothing synced yet (just connected): the newest posts
        page = client.list_media(token, fields="id", limit=MEDIA_PER_SYNC)
        ids = [str(m["id"]) for m in page.data if m.get("id")]
    return ids[: MEDIA_PER_SYNC * 2]


def _comment_event(node: dict, media_id: str, parent: str | None) -> CommentEvent | None:
    if not node.get("id"):
        return None
    author = node.get("from") if isinstance(node.get("from"), dict) else {}
    return CommentEvent(
        comment_id=str(node["id"]),
        text=node.get("text"),
        parent_id=parent or (str(node["parent_id"]) if node.get("parent_id") else None),
        from_id=str(author["id"]) if author.get("id") else None,
        username=author.get("username") or node.get("username"),
        media_id=media_id,
        at=_parse_time(node.get("timestamp")),
    )


def _store_comment(session, account, node, media_id, parent, counts, unread) -> bool:
    ev = _comment_event(node, media_id, parent)
    if ev is None:
        return False
    hidden = node.get("hidden") if isinstance(node.get("hidden"), bool) else None
    stored = apply_comment(session, account, ev, unread=unread, hidden=hidden) is not None
    counts["comments"] += stored
    return stored


def _sync_comments(session, client, account, token, now, counts, *, unread: bool) -> None:
    for media_id in _media_ids(session, client, account, token, now, counts):
        after = None
        while True:
            counts["calls"] += 1
            page = client.list_comments(token, media_id, limit=50, after=after)
            new = False
            for node in page.data:
                new |= _store_comment(session, account, node, media_id, None, counts, unread)
                replies = (node.get("replies") or {}).get("data") or []
                for reply in replies:
                    new |= _store_comment(
                        session, account, reply, media_id, str(node["id"]), counts, unread
                    )
            # Newest first: a page with nothing new means the rest is already stored.
            if not new or not page.has_next or not page.after:
                break
            after = page.after


def _sync_conversations(session, client, account, state, token, counts, *, unread) -> None:
    counts["calls"] += 1
    page = client.list_conversations(token, limit=CONVERSATIONS_PER_SYNC)
    seen = state.conversations_seen_at
    newest = seen
    for conv in page.data:
        updated = _parse_time(conv.get("updated_time"))
        if seen is not None and updated is not None and updated <= seen:
            break  # newest first: the rest has not changed since the last sync
        if updated is not None and (newest is None or updated > newest):
            newest = updated
        counts["calls"] += 1
        node = client.graph("GET", str(conv["id"]), token, params={"fields": MESSAGE_EXPANSION})
        for msg in (node.get("messages") or {}).get("data") or []:
            if "from" not in msg:  # expansion not honoured: read unknown ids one by one
                if _known(session, account, msg.get("id")):
                    continue
                counts["calls"] += 1
                msg = client.get_message(token, str(msg["id"]))
            counts["messages"] += _store_message(session, account, msg, str(conv["id"]), unread)
    state.conversations_seen_at = newest


def _known(session, account, mid) -> bool:
    return bool(
        session.scalar(
            select(InboxMessage.id).where(
                InboxMessage.account_id == account.id, InboxMessage.mid == str(mid)
            )
        )
    )


def _store_message(session, account, node, conversation_id, unread) -> int:
    sender = node.get("from") or {}
    to = ((node.get("to") or {}).get("data") or [{}])[0]
    if not node.get("id") or not sender.get("id"):
        return 0
    atts = [
        {
            "type": str(a.get("type") or ("image" if a.get("image_data") else "file"))[:32],
            "url": a.get("url") or (a.get("image_data") or {}).get("url"),
        }
        for a in ((node.get("attachments") or {}).get("data") or [])
        if isinstance(a, dict)
    ]
    outgoing = str(sender.get("id")) == account.ig_user_id
    ev = MessagingEvent(
        kind="message",
        sender_id=str(sender["id"]),
        recipient_id=str(to.get("id") or ""),
        at=_parse_time(node.get("created_time")),
        mid=str(node["id"]),
        text=node.get("message") or None,
        attachments=atts,
        is_echo=outgoing,
    )
    customer_name = (to if outgoing else sender).get("username")
    msg = apply_messaging(session, account, ev, unread=unread, username=customer_name)
    if msg is not None:
        thread = session.get(InboxThread, msg.thread_id)
        thread.ig_conversation_id = conversation_id
        if customer_name:
            thread.customer_username = customer_name
        return 1
    return 0


def purge_expired(session: Session, settings, now=None) -> dict:
    """Delete threads idle longer than INBOX_RETENTION_DAYS with their items; log counts."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.INBOX_RETENTION_DAYS)
    old = select(InboxThread.id).where(InboxThread.last_activity_at < cutoff)
    counts = {
        "threads": session.scalar(select(func.count()).select_from(old.subquery())) or 0,
        "comments": session.scalar(
            select(func.count(InboxComment.id)).where(InboxComment.thread_id.in_(old))
        )
        or 0,
        "messages": session.scalar(
            select(func.count(InboxMessage.id)).where(InboxMessage.thread_id.in_(old))
        )
        or 0,
    }
    if counts["threads"]:
        # Children first: SQLite enforces ON DELETE CASCADE only with its pragma on.
        session.execute(delete(InboxComment).where(InboxComment.thread_id.in_(old)))
        session.execute(delete(InboxMessage).where(InboxMessage.thread_id.in_(old)))
        session.execute(delete(InboxThread).where(InboxThread.last_activity_at < cutoff))
    counts["webhook_batches"] = purge_webhook_events(session, WEBHOOK_KEEP, now)
    log.info("inbox retention purge", extra=counts)
    return counts
