"""Single-use invitations to join a workspace with a role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow
from app.models.user import User, Workspace


class Invitation(WorkspaceOwned, Base):
    """An invitation link; only the SHA-256 of its token is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    workspace: Mapped[Workspace] = relationship()
    inviter: Mapped[User | None] = relationship(foreign_keys=[invited_by])

    def state(self, now: datetime) -> str:
        """`pending`, `accepted` or `expired`."""
        if self.accepted_at is not None:
            return "accepted"
        if self.expires_at <= now:
            return "expired"
        return "pending"
