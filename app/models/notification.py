"""In-app notifications about a workspace (for all its members or for one user)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow


class Notification(WorkspaceOwned, Base):
    """Something members should know; `kind` and `params` are rendered at display time."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: every member of the workspace sees it.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
