"""Saved caption snippets and hashtag groups a workspace inserts into captions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow


class SnippetKind(StrEnum):
    CAPTION = "caption"
    HASHTAGS = "hashtags"


class Snippet(WorkspaceOwned, Base):
    """A named piece of caption text (or a group of hashtags) kept for reuse."""

    __tablename__ = "snippet"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=SnippetKind.CAPTION.value)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
