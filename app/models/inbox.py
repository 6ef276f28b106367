"""The inbox: raw webhook batches, comment and DM threads, their items and failed actions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow

# Meta delivers up to 1000 updates per batch: more than TEXT's 64 KiB on MariaDB.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


class ThreadKind(StrEnum):
    COMMENT = "comment"
    DM = "dm"


class ThreadStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class WebhookEvent(Base):
    """One signed webhook batch exactly as Meta sent it, processed later by the worker."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(LongText)
    # pending -> done | failed (after MAX_ATTEMPTS); the worker claims pending rows.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    # Entries for accounts Kezek does not know (unknown or disconnected): dropped.
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(255))


class InboxThread(WorkspaceOwned, Base):
    """A comment thread (a top-level comment and its replies) or a DM conversation."""

    __tablename__ = "inbox_thread"
    __table_args__ = (
        # Comment threads: the top-level comment id; DMs: the customer's IGSID.
        UniqueConstraint("account_id", "kind", "thread_key"),
        Index("ix_inbox_thread_ws_activity", "workspace_id", "last_activity_at", "id"),
        # The inbox's contact-tag filter finds a tagged contact's threads through this.
        Index("ix_inbox_thread_account_customer", "account_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    thread_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ThreadStatus.OPEN.value)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    preview: Mapped[str] = mapped_column(String(255), default="")
    customer_id: Mapped[str | None] = mapped_column(String(64))
    customer_username: Mapped[str | None] = mapped_column(String(255))
    customer_picture_url: Mapped[str | None] = mapped_column(Text)
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    ig_conversation_id: Mapped[str | None] = mapped_column(String(255))
    # DMs: the 24-hour (and human-agent 7-day) windows run from this.
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxComment(WorkspaceOwned, Base):
    """A comment or reply as Instagram knows it (placeholders fill in when it arrives)."""

    __tablename__ = "inbox_comment"
    __table_args__ = (UniqueConstraint("account_id", "ig_comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    ig_comment_id: Mapped[str] = mapped_column(String(64))
    parent_ig_id: Mapped[str | None] = mapped_column(String(64))
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    from_id: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str | None] = mapped_column(Text)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while only a reply referring to it has arrived.
    received: Mapped[bool] = mapped_column(Boolean, default=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    private_reply_mid: Mapped[str | None] = mapped_column(String(255))
    private_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxMessage(WorkspaceOwned, Base):
    """A direct message, keyed by Meta's `mid`; never deleted by a sync."""

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("account_id", "mid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    mid: Mapped[str] = mapped_column(String(255))
    outgoing: Mapped[bool] = mapped_column(Boolean, default=False)
    # message | postback | unsupported
    kind: Mapped[str] = mapped_column(String(16), default="message")
    text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list | None] = mapped_column(JSON)
    story_mention: Mapped[bool] = mapped_column(Boolean, default=False)
    story_reply_url: Mapped[str | None] = mapped_column(Text)
    reply_to_mid: Mapped[str | None] = mapped_column(String(255))
    # {"customer": "❤", "account": "😂"}: the latest reaction of each side.
    reactions: Mapped[dict | None] = mapped_column(JSON)
    received: Mapped[bool] = mapped_column(Boolean, default=True)
    num_edit: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InboxAction(WorkspaceOwned, Base):
    """An action Instagram refused: shown next to its target with the reason and a retry."""

    __tablename__ = "inbox_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_comment.id", ondelete="CASCADE")
    )
    # reply | hide | unhide | delete | private_reply | message
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    media_item_id: Mapped[int | None] = mapped_column(Integer)
    error_key: Mapped[str] = mapped_column(String(64), default="unknown")
    error_kind: Mapped[str] = mapped_column(String(32), default="unknown")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxSyncState(Base):
    """When each account's comments and conversations were last polled."""

    __tablename__ = "inbox_sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), unique=True
    )
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversations_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64))
