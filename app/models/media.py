"""Uploaded media: the library every post draws its files from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class MediaState(StrEnum):
    """Upload processing: checks and conversions run before a file is usable."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class MediaItem(WorkspaceOwned, Base):
    """One file in a workspace's media library, stored under MEDIA_DIR by a random key."""

    __tablename__ = "media_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=MediaState.PROCESSING.value)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    # Path relative to MEDIA_DIR, made of random ids only (never the client's file name).
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    # Secret part of the public URL Instagram fetches the file from.
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    validation: Mapped[dict | None] = mapped_column(JSON)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error_key: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The upload waiting to be transcoded (random key under MEDIA_DIR); None once done.
    source_key: Mapped[str | None] = mapped_column(String(255))
    # Background transcoding claims: a worker owns the item until lease_until.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the lifecycle job removed the file but a published post still lists the item.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
