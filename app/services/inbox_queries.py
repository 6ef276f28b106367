"""Reading the inbox: filtered, searched, keyset-paged thread lists and thread contents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Contact,
    InboxAction,
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    InstagramMedia,
    Tag,
)
from app.models.automation import contact_tag
from app.services.workspaces import scoped

CURSOR_RE = re.compile(r"^([0-9]{1,17})\.([0-9]{1,18})$")
KINDS = ("comment", "dm")
STATUSES = ("open", "done")


@dataclass(frozen=True)
class ThreadFilter:
    """What the list shows: each field narrows it; None / empty means all."""

    account_id: int | None = None
    kind: str | None = None
    status: str | None = None
    unread: bool = False
    q: str = ""
    tag_id: int | None = None  # the dashboard's select
    tag: str = ""  # the API: a tag's name


def encode_cursor(thread: InboxThread) -> str:
    """The position just after a thread in the newest-first order."""
    at = thread.last_activity_at.astimezone(UTC)
    micros = int(at.timestamp()) * 1_000_000 + at.microsecond
    return f"{micros}.{thread.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(last activity, id) from a cursor; None when absent or not one of ours."""
    match = CURSOR_RE.fullmatch(cursor or "")
    if not match:
        return None
    micros, thread_id = int(match.group(1)), int(match.group(2))
    try:
        at = datetime.fromtimestamp(micros // 1_000_000, UTC).replace(
            microsecond=micros % 1_000_000
        )
    except (OverflowError, OSError, ValueError):
        return None
    return at, thread_id


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _tagged(workspace_id: int, f: ThreadFilter):
    """The thread's person (the DM's customer, the top commenter) is a contact with the tag.

    EXISTS over contact (unique account_id + igsid) and contact_tag (its primary key), both
    reached by index from the thread; the tag must belong to the workspace.
    """
    cond = [
        Contact.account_id == InboxThread.account_id,
        Contact.igsid == InboxThread.customer_id,
        Contact.workspace_id == workspace_id,
        contact_tag.c.contact_id == Contact.id,
        Tag.id == contact_tag.c.tag_id,
        Tag.workspace_id == workspace_id,
    ]
    if f.tag_id is not None:
        cond.append(Tag.id == f.tag_id)
    if f.tag.strip():
        cond.append(Tag.name == " ".join(f.tag.split())[:64])
    return exists().where(*cond)


def list_threads(
    session: Session, workspace_id: int, f: ThreadFilter, cursor: str | None, limit: int
) -> tuple[list[InboxThread], str | None]:
    """Newest-first threads matching the filter, and the cursor of the next page."""
    stmt = scoped(InboxThread, workspace_id)
    if f.account_id:
        stmt = stmt.where(InboxThread.account_id == f.account_id)
    if f.kind in KINDS:
        stmt = stmt.where(InboxThread.kind == f.kind)
    if f.status in STATUSES:
        stmt = stmt.where(InboxThread.status == f.status)
    if f.unread:
        stmt = stmt.where(InboxThread.unread_count > 0)
    if f.tag_id is not None or f.tag.strip():
        stmt = stmt.where(_tagged(workspace_id, f))
    q = f.q.strip()[:100]
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            or_(
                InboxThread.customer_username.like(pattern, escape="\\"),
                InboxThread.preview.like(pattern, escape="\\"),
                exists().where(
                    InboxComment.thread_id == InboxThread.id,
                    InboxComment.text.like(pattern, escape="\\"),
                ),
                exists().where(
                    InboxMessage.thread_id == InboxThread.id,
                    InboxMessage.text.like(pattern, escape="\\"),
                ),
            )
        )
    position = decode_cursor(cursor)
    if position is not None:
        at, last_id = position
        stmt = stmt.where(
            or_(
                InboxThread.last_activity_at < at,
                and_(InboxThread.last_activity_at == at, InboxThread.id < last_id),
            )
        )
    stmt = stmt.order_by(InboxThread.last_activity_at.desc(), InboxThread.id.desc())
    rows = list(session.scalars(stmt.limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1])
    return rows, None


def unread_threads(session: Session, workspace_id: int) -> int:
    """How many threads of the workspace have unread items."""
    return (
        session.scalar(
            select(func.count(InboxThread.id)).where(
                InboxThread.workspace_id == workspace_id, InboxThread.unread_count > 0
            )
        )
        or 0
    )


def accounts_of(session: Session, workspace_id: int) -> dict[int, InstagramAccount]:
    """The workspace's accounts by id."""
    return {a.id: a for a in session.scalars(scoped(InstagramAccount, workspace_id))}


def media_of(session: Session, threads: list[InboxThread]) -> dict[tuple[int, str], InstagramMedia]:
    """The synced posts of comment threads, by (account id, media id)."""
    keys = {(t.account_id, t.ig_media_id) for t in threads if t.ig_media_id}
    if not keys:
        return {}
    rows = session.scalars(
        select(InstagramMedia).where(
            InstagramMedia.ig_media_id.in_({k[1] for k in keys}),
            InstagramMedia.account_id.in_({k[0] for k in keys}),
        )
    )
    return {(m.account_id, m.ig_media_id): m for m in rows}


def comments_of(session: Session, thread: InboxThread) -> list[InboxComment]:
    """The thread's comments as received: the top-level one first, then replies by time."""
    rows = list(
        session.scalars(
            select(InboxComment)
            .where(InboxComment.thread_id == thread.id, InboxComment.received.is_(True))
            .order_by(InboxComment.created_at, InboxComment.id)
        )
    )
    rows.sort(key=lambda c: c.ig_comment_id != thread.thread_key)
    return rows


def messages_of(session: Session, thread: InboxThread) -> list[InboxMessage]:
    """The conversation's received messages, oldest first."""
    return list(
        session.scalars(
            select(InboxMessage)
            .where(InboxMessage.thread_id == thread.id, InboxMessage.received.is_(True))
            .order_by(InboxMessage.sent_at, InboxMessage.id)
        )
    )


def failures_of(session: Session, thread: InboxThread) -> list[InboxAction]:
    """Actions Instagram refused, newest last."""
    return list(
        session.scalars(
            select(InboxAction)
            .where(InboxAction.thread_id == thread.id)
            .order_by(InboxAction.created_at, InboxAction.id)
        )
    )


def mark_read(thread: InboxThread) -> None:
    """The user opened the thread."""
    thread.unread_count = 0


def set_status(thread: InboxThread, status: str) -> None:
    """Mark a thread done, or open again."""
    if status in STATUSES:
        thread.status = status
