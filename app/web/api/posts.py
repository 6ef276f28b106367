"""/api/v1/posts: compose, list, read (with the publishing log), edit, delete, retry, approve."""

from __future__ import annotations

from flask import current_app, g

from app.extensions import db
from app.models import Role
from app.models.post import Post, PostStatus, PostType
from app.services import posts as svc
from app.services.posts import PostError
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.post_schemas import (
    LogOut,
    Notice,
    PostDetail,
    PostIn,
    PostList,
    PostMediaOut,
    PostOut,
    PostPage,
    PostPatch,
    PostQuery,
)
from app.web.api.schemas import (
    decode_cursor,
    page_of,
    parse_id,
)
from app.web.api.spec import endpoint
from app.web.post_messages import post_error_text

CONFLICTS = {"not_editable", "not_failed", "not_pending", "not_deletable"}


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
