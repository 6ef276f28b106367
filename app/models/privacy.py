"""Privacy records: Meta's deletion requests, data exports and retention runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class DeletionState(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class DeletionSource(StrEnum):
    """Meta's data-deletion callback, or a deauthorization (deleted after a grace period)."""

    DATA_DELETION = "data_deletion"
    DEAUTHORIZE = "deauthorize"


class DeletionRequest(Base):
    """One signed request from Meta to delete what Kezek holds for an Instagram user.

    Kept after completion (without anything else about the user) so the status page keeps
    answering; purged by the retention job after DELETION_RECORD_RETENTION_DAYS.
    """

    __tablename__ = "deletion_request"
    __table_args__ = (Index("ix_deletion_request_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    confirmation_code: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16), default=DeletionSource.DATA_DELETION.value)
    # `user_id` of the signed payload (IG_ID or app-scoped id: both are matched).
    ig_user_id: Mapped[str] = mapped_column(String(64), index=True)
    # The signed_request exactly as Meta posted it (the fact sheet asks to keep it).
    raw_payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=DeletionState.RECEIVED.value)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not processed before this time (deauthorizations wait DELETED_ACCOUNT_GRACE_DAYS).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts of what was deleted ({} when nothing was held); never names or ids.
    found: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class ExportJob(Base):
    """A ZIP of everything Kezek stores about a user, built in the background."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Who asked (the user, or an admin for them): only they may download it.
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=ExportState.PENDING.value, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # Relative to MEDIA_DIR (exports/<random>.zip).
    file_path: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    # SHA-256 of the single-use download token; cleared when it is used.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RetentionRun(Base):
    """One run of the daily retention job and what each rule removed."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(255))
