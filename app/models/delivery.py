"""Per-user choices for e-mail and Telegram notifications, and what was sent on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class NotifyEvent(StrEnum):
    """What a user can choose to hear about outside the dashboard."""

    FAILURE = "failure"
    RECONNECT = "reconnect"
    SUCCESS = "success"


class NotificationPreference(Base):
    """One user's channels (with the time each was switched on) and chosen events."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only notifications created after a channel was switched on are sent on it.
    email_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_chat_id: Mapped[str] = mapped_column(String(64), default="")
    telegram_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    telegram_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events: Mapped[list | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotificationDelivery(Base):
    """One notification sent (or being sent) to one user on one channel: never twice."""

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("notification_id", "user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # sending (claimed) -> sent | failed (retried while attempts remain) | given_up
    status: Mapped[str] = mapped_column(String(16), default="sending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
