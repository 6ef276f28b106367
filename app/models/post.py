"""Posts: what is published to Instagram, their media and their step-by-step log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UTCDateTime, WorkspaceOwned, utcnow
from app.models.media import MediaItem


class PostType(StrEnum):
    IMAGE = "image"
    CAROUSEL = "carousel"
    REEL = "reel"
    STORY = "story"


class PostStatus(StrEnum):
    """The persisted state machine of a post (see app.services.publisher)."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    SCHEDULED = "scheduled"
    PREPARING = "preparing"
    READY = "ready"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    COMMENTING = "commenting"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# States a user may still edit, reschedule or cancel (publishing has not started).
EDITABLE_STATUSES = frozenset({"draft", "pending_approval", "scheduled", "failed"})
# States the worker drives forward.
WORKING_STATUSES = frozenset(
    {"scheduled", "preparing", "ready", "publishing", "published", "commenting"}
)


class Post(WorkspaceOwned, Timestamped, Base):
    """One post to one account; posts composed together share composition_id."""

    __tablename__ = "post"
    __table_args__ = (Index("ix_post_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    composition_id: Mapped[str] = mapped_column(String(32), index=True)
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default=PostStatus.SCHEDULED.value)
    caption: Mapped[str] = mapped_column(Text, default="")
    first_comment: Mapped[str | None] = mapped_column(Text)
    collaborators: Mapped[list | None] = mapped_column(JSON)
    share_to_feed: Mapped[bool] = mapped_column(Boolean, default=True)
    thumb_offset_ms: Mapped[int | None] = mapped_column(Integer)
    cover_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_item.id", ondelete="SET NULL")
    )
    # None = as soon as possible.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    permalink: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_key: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the worker should next look at the post (due time, lead time, back-off).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The container media_publish is sent for (a carousel's parent; else the one media's).
    container_id: Mapped[str | None] = mapped_column(String(64))
    container_status: Mapped[str | None] = mapped_column(String(32))
    # When media_publish was first sent (reconciling looks for media from then on).
    publish_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first comment's id once Instagram returned it (so it is never posted twice).
    comment_id: Mapped[str | None] = mapped_column(String(64))

    media: Mapped[list[PostMedia]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PostMedia.position",
    )

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class PostMedia(Base):
    """One media item of a post, in order; container_id is stored the moment it is returned."""

    __tablename__ = "post_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_item.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt_text: Mapped[str | None] = mapped_column(Text)
    container_id: Mapped[str | None] = mapped_column(String(64))
    container_status: Mapped[str | None] = mapped_column(String(32))

    post: Mapped[Post] = relationship(back_populates="media")
    item: Mapped[MediaItem] = relationship(lazy="joined")


class PostLog(Base):
    """One step of publishing: what was tried, when, and what Instagram answered."""

    __tablename__ = "post_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    step: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    code: Mapped[int | None] = mapped_column(Integer)
    subcode: Mapped[int | None] = mapped_column(Integer)
    fbtrace_id: Mapped[str | None] = mapped_column(String(64))
    message_key: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
