"""/api/v1/posts: compose, list, read (with the publishing log), edit, delete, retry, approve."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import current_app, g
from pydantic import Field

from app.extensions import db
from app.models import Role
from app.models.post import Post, PostStatus, PostType
from app.services import posts as svc
from app.services.posts import PostError
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.schemas import (
    ListQuery,
    Schema,
    Timestamp,
    decode_cursor,
    optional,
    page_of,
    parse_id,
)
from app.web.api.spec import endpoint
from app.web.post_messages import post_error_text

ID = r"^[0-9]{1,18}$"
IdStr = Annotated[str, Field(pattern=ID)]
CONFLICTS = {"not_editable", "not_failed", "not_pending", "not_deletable"}
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


def post_out(post: Post, cls=PostOut, **extra):
    error = None
    if post.error_key:
        error = Notice(code=post.error_key, message=post_error_text(post.error_key))
    return cls(
        id=str(post.id),
        account_id=str(post.account_id),
        composition_id=post.composition_id,
        type=PostType(post.type).value,
        status=PostStatus(post.status).value,
        caption=post.caption or "",
        first_comment=post.first_comment,
        collaborators=list(post.collaborators or []),
        share_to_feed=bool(post.share_to_feed),
        thumb_offset_ms=post.thumb_offset_ms,
        cover_media_id=str(post.cover_media_id) if post.cover_media_id else None,
        media=[
            PostMediaOut(
                media_id=str(pm.media_id),
                position=pm.position,
                alt_text=pm.alt_text,
                container_id=pm.container_id,
            )
            for pm in post.media
        ],
        scheduled_at=post.scheduled_at,
        published_at=post.published_at,
        instagram_media_id=post.ig_media_id,
        permalink=post.permalink,
        error=error,
        review_comment=post.review_comment,
        attempts=post.attempts or 0,
        next_attempt_at=post.next_attempt_at,
        created_at=post.created_at,
        updated_at=post.updated_at,
        **extra,
    )


def detail_out(post: Post) -> PostDetail:
    rows = svc.post_log(db.session, post)
    log = [
        LogOut(
            at=r.at,
            step=r.step,
            result=r.result if r.result in ("ok", "error") else "info",
            code=r.code,
            subcode=r.subcode,
            fbtrace_id=r.fbtrace_id,
            message_key=r.message_key,
            message=post_error_text(r.message_key) if r.result == "error" else None,
        )
        for r in rows
    ]
    return post_out(post, PostDetail, log=log)


def _refused(e: PostError) -> ApiError:
    db.session.rollback()
    message = post_error_text(e.code)
    if e.code == "forbidden":
        return ApiError(403, "forbidden", message)
    if e.code in CONFLICTS:
        return ApiError(409, e.code, message)
    field = {"field": e.field or "body", "code": e.code, "message": message}
    return ApiError(422, fields=[field])


def _ids(values: list[str], field: str) -> list[int]:
    out = []
    for value in values:
        key = parse_id(value)
        if key is None:
            raise ApiError(
                422,
                fields=[
                    {
                        "field": field,
                        "code": "string_pattern_mismatch",
                        "message": post_error_text("media_not_found"),
                    }
                ],
            )
        out.append(key)
    return out


def _post_or_404(post_id: str) -> Post:
    key = parse_id(post_id)
    post = svc.get_post(db.session, g.workspace.id, key) if key else None
    if post is None:
        raise ApiError(404)
    return post


def _settings():
    return current_app.config["SETTINGS"]


@bp.post("/posts")
@endpoint(status=201, resp=PostList, json=PostIn, role=Role.EDITOR, tags=("posts",))
def create_post(json: PostIn):
    """Compose a post for one or more accounts: one post per account (editors and owners).

    `scheduled_at: null` publishes as soon as possible; `draft: true` only saves it. In a
    workspace that requires approval, an editor's posts wait as `pending_approval`.
    """
    cover = parse_id(json.cover_media_id) if json.cover_media_id else None
    try:
        posts = svc.create_posts(
            db.session,
            _settings(),
            workspace_id=g.workspace.id,
            user=g.api_user,
            account_ids=_ids(json.account_ids, "account_ids"),
            type=json.type,
            media_ids=_ids(json.media_ids, "media_ids"),
            caption=json.caption,
            first_comment=json.first_comment,
            scheduled_at=json.scheduled_at,
            draft=json.draft,
            collaborators=json.collaborators,
            share_to_feed=json.share_to_feed,
            thumb_offset_ms=json.thumb_offset_ms,
            cover_media_id=cover,
            alt_texts=json.alt_texts,
        )
    except PostError as e:
        raise _refused(e) from None
    db.session.commit()
    return PostList(items=[post_out(p) for p in posts]), 201


@bp.get("/posts")
@endpoint(resp=PostPage, query=PostQuery, tags=("posts",))
def list_post_items(query: PostQuery):
    """The workspace's posts by id, filtered by account, status and type."""
    after = decode_cursor(query.next)
    rows = svc.list_posts(
        db.session,
        g.workspace.id,
        account_id=parse_id(query.account_id) if query.account_id else None,
        status=query.status,
        type=query.type,
        after_id=after,
        limit=query.limit + 1,
    )
    page, nxt = page_of(rows, query.limit)
    return PostPage(items=[post_out(p) for p in page], next=nxt)


@bp.get("/posts/<post_id>")
@endpoint(resp=PostDetail, tags=("posts",))
def get_post_item(post_id: str):
    """One post with its status, Instagram media id, permalink and publishing log."""
    return detail_out(_post_or_404(post_id))


@bp.patch("/posts/<post_id>")
@endpoint(resp=PostDetail, json=PostPatch, role=Role.EDITOR, tags=("posts",), extra_errors=(409,))
def update_post_item(post_id: str, json: PostPatch):
    """Edit or reschedule a post until publishing starts (409 after)."""
    post = _post_or_404(post_id)
    sent = json.model_dump(exclude_unset=True)
    try:
        when = sent.pop("scheduled_at", ...)
        if sent:
            svc.update_post(db.session, post, **sent)
        if when is not ...:
            svc.reschedule(db.session, post, when, _settings())
    except PostError as e:
        raise _refused(e) from None
    db.session.commit()
    return detail_out(post)


@bp.delete("/posts/<post_id>")
@endpoint(status=204, role=Role.EDITOR, tags=("posts",), extra_errors=(409,))
def delete_post_item(post_id: str):
    """Delete a post (not while it is being published) and media no other post uses."""
    post = _post_or_404(post_id)
    try:
        svc.delete_post(db.session, post, _settings())
    except PostError as e:
        raise _refused(e) from None
    db.session.commit()
    return "", 204


@bp.post("/posts/<post_id>/retry")
@endpoint(resp=PostDetail, role=Role.EDITOR, tags=("posts",), extra_errors=(409,))
def retry_post_item(post_id: str):
    """Queue a failed post again, now (never re-publishes what Instagram already has)."""
    post = _post_or_404(post_id)
    try:
        svc.retry_post(db.session, post, _settings())
    except PostError as e:
        raise _refused(e) from None
    db.session.commit()
    return detail_out(post)


@bp.post("/posts/<post_id>/approve")
@endpoint(resp=PostDetail, role=Role.OWNER, tags=("posts",), extra_errors=(409,))
def approve_post_item(post_id: str):
    """Approve a post waiting for approval: it is scheduled for its time (owners)."""
    post = _post_or_404(post_id)
    try:
        svc.approve_post(db.session, post, g.api_user, _settings())
    except PostError as e:
        raise _refused(e) from None
    db.session.commit()
    return detail_out(post)
