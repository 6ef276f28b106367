"""Connected Instagram accounts and their cached media."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UTCDateTime, WorkspaceOwned


class AccountStatus(StrEnum):
    """Where an account's connection stands."""

    ACTIVE = "active"
    RECONNECT = "reconnect_needed"
    # Deauthorized on Instagram: token deleted, data deleted after the grace period.
    DISCONNECTED = "disconnected"


class InstagramAccount(WorkspaceOwned, Timestamped, Base):
    """An Instagram professional account connected to one workspace."""

    __tablename__ = "instagram_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # IG_ID (`user_id` of /me; `entry.id` in webhooks). Unique: one workspace per account.
    ig_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    app_scoped_id: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    account_type: Mapped[str | None] = mapped_column(String(32))
    profile_picture_url: Mapped[str | None] = mapped_column(Text)
    biography: Mapped[str | None] = mapped_column(Text)
    followers_count: Mapped[int | None] = mapped_column(Integer)
    follows_count: Mapped[int | None] = mapped_column(Integer)
    media_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default=AccountStatus.ACTIVE.value)
    # AES-256-GCM ciphertext (app.services.crypto); never plaintext.
    token_ciphertext: Mapped[str | None] = mapped_column(Text)
    token_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    permissions: Mapped[str] = mapped_column(String(512), default="")
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_refresh_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(512))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_webhook_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_fields: Mapped[str] = mapped_column(String(255), default="")
    webhook_subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    usage: Mapped[dict | None] = mapped_column(JSON)
    usage_percent: Mapped[int] = mapped_column(Integer, default=0)
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    media: Mapped[list[InstagramMedia]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def needs_reconnect(self) -> bool:
        return self.status == AccountStatus.RECONNECT.value


class InstagramMedia(WorkspaceOwned, Base):
    """A published media item of an account, as last synced."""

    __tablename__ = "instagram_media"
    __table_args__ = (UniqueConstraint("account_id", "ig_media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    ig_media_id: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(String(32))
    media_product_type: Mapped[str | None] = mapped_column(String(32))
    media_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    permalink: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    like_count: Mapped[int | None] = mapped_column(Integer)
    comments_count: Mapped[int | None] = mapped_column(Integer)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[InstagramAccount] = relationship(back_populates="media")
