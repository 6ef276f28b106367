"""Request and response schemas of /api/v1/posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.web.api.schemas import ListQuery, Schema, Timestamp, optional

ID = r"^[0-9]{1,18}$"
IdStr = Annotated[str, Field(pattern=ID)]
TypeName = Literal["image", "carousel", "reel", "story"]
StatusName = Literal[
    "draft",
    "pending_approval",
    "scheduled",
    "preparing",
    "ready",
    "publishing",
    "published",
    "commenting",
    "done",
    "failed",
    "cancelled",
]


class Notice(Schema):
    code: str = Field(description="Stable machine-readable code.")
    message: str = Field(description="Human-readable text in the token user's language.")


class PostMediaOut(Schema):
    media_id: str
    position: int
    alt_text: str | None
    container_id: str | None = Field(description="Instagram container id once created.")


class LogOut(Schema):
    at: Timestamp
    step: str = Field(description="`container`, `publishing`, `published`, `status`, ...")
    result: Literal["ok", "error", "info"]
    code: int | None = Field(description="Meta error code.")
    subcode: int | None = Field(description="Meta error subcode.")
    fbtrace_id: str | None
    message_key: str | None
    message: str | None = Field(description="Explanation in the token user's language.")


class PostOut(Schema):
    id: str
    account_id: str
    composition_id: str = Field(description="Shared by the posts composed together.")
    type: TypeName
    status: StatusName
    caption: str
    first_comment: str | None
    collaborators: list[str]
    share_to_feed: bool
    thumb_offset_ms: int | None
    cover_media_id: str | None
    media: list[PostMediaOut]
    scheduled_at: Timestamp | None = Field(description="null: as soon as possible.")
    published_at: Timestamp | None
    instagram_media_id: str | None
    permalink: str | None
    error: Notice | None = Field(description="Why the post failed or is paused.")
    review_comment: str | None
    attempts: int
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class PostDetail(PostOut):
    log: list[LogOut] = Field(description="Every publishing step, oldest first.")


class PostList(Schema):
    items: list[PostOut]


class PostPage(Schema):
    items: list[PostOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class PostIn(Schema):
    account_ids: list[IdStr] = Field(min_length=1, max_length=50, description="One post each.")
    type: TypeName
    media_ids: list[IdStr] = Field(min_length=1, max_length=10, description="In order.")
    caption: str = Field("", max_length=2200)
    first_comment: str | None = Field(None, max_length=2200)
    scheduled_at: datetime | None = Field(None, description="ISO 8601 with offset; null: now.")
    draft: bool = False
    collaborators: list[str] = Field([], max_length=3)
    share_to_feed: bool = True
    thumb_offset_ms: int | None = Field(None, ge=0, le=2_000_000_000)
    cover_media_id: str | None = Field(None, pattern=ID)
    alt_texts: list[str] | None = Field(None, max_length=10)


class PostPatch(Schema):
    caption: str = optional(max_length=2200)
    first_comment: str | None = Field(None, max_length=2200)
    scheduled_at: datetime | None = Field(None, description="Reschedule; null: now.")
    collaborators: list[str] = optional(max_length=3)
    share_to_feed: bool = optional()
    thumb_offset_ms: int = optional(ge=0, le=2_000_000_000)
    alt_texts: list[str] = optional(max_length=10)


class PostQuery(ListQuery):
    account_id: str = optional("Only this account's posts.", pattern=ID)
    status: StatusName = optional("Only posts in this status.")
    type: TypeName = optional("Only posts of this type.")
