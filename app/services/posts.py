"""Posts: creating, editing, approving, listing (the worker is app.services.publisher)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import InstagramAccount, Role, Workspace, utcnow
from app.models.media import MediaItem, MediaKind, MediaState
from app.models.post import Post, PostLog, PostMedia, PostStatus, PostType
from app.services import post_media
from app.services.post_changes import (
    _role,
    add_log,
    approve_post,
    cancel_post,
    delete_post,
    reschedule,
    retry_post,
    schedule,
    send_back,
    update_post,
)
from app.services.post_rules import PostError, check_media_rules, validate_caption
from app.services.workspaces import scoped

__all__ = [
    "PostError",
    "validate_caption",
    "create_posts",
    "duplicate_warnings",
    "quota_for",
    "update_post",
    "reschedule",
    "cancel_post",
    "retry_post",
    "approve_post",
    "send_back",
    "delete_post",
    "list_posts",
    "post_log",
    "get_post",
    "add_log",
]

DUPLICATE_WINDOW = timedelta(days=30)


def create_posts(
    session: Session,
    settings,
    *,
    workspace_id: int,
    user,
    account_ids: Sequence[int],
    type: str,
    media_ids: Sequence[int],
    caption: str = "",
    first_comment: str | None = None,
    scheduled_at: datetime | None = None,
    draft: bool = False,
    collaborators: Iterable[str] = (),
    share_to_feed: bool = True,
    thumb_offset_ms: int | None = None,
    cover_media_id: int | None = None,
    alt_texts: Sequence[str | None] | None = None,
) -> list[Post]:
    """One post per account (sharing a composition id); raises PostError on any problem."""
    role = _role(session, user, workspace_id)
    if role is None or role.rank < Role.EDITOR.rank:
        raise PostError("forbidden")
    try:
        ptype = PostType(type)
    except ValueError:
        raise PostError("type_invalid", "type") from None
    caption = caption or ""
    problems = validate_caption(caption)
    if problems:
        raise PostError(problems[0], "caption")
    if first_comment is not None:
        first_comment = first_comment.strip() or None
    if first_comment and len(first_comment) > 2200:
        raise PostError("first_comment_too_long", "first_comment")
    if ptype is PostType.STORY and (caption or first_comment):
        caption, first_comment = "", None  # Stories take neither.
    collaborators = [c.strip().lstrip("@") for c in collaborators if c and c.strip()]
    if len(collaborators) > 3:
        raise PostError("too_many_collaborators", "collaborators")
    if not account_ids:
        raise PostError("accounts_required", "account_ids")
    accounts = []
    for account_id in dict.fromkeys(account_ids):
        account = session.scalar(
            scoped(InstagramAccount, workspace_id).where(InstagramAccount.id == account_id)
        )
        if account is None:
            raise PostError("account_not_found", "account_ids")
        accounts.append(account)
    items = _media_items(session, workspace_id, media_ids)
    cover = None
    if cover_media_id is not None:
        cover = _media_items(session, workspace_id, [cover_media_id], field="cover_media_id")[0]
        if cover.kind != MediaKind.IMAGE.value:
            raise PostError("cover_not_image", "cover_media_id")
    check_media_rules(ptype, items)
    if thumb_offset_ms is not None and thumb_offset_ms < 0:
        raise PostError("thumb_offset_invalid", "thumb_offset_ms")
    now = utcnow()
    if scheduled_at is not None and scheduled_at.tzinfo is None:
        raise PostError("scheduled_at_invalid", "scheduled_at")
    if not draft and scheduled_at is not None and scheduled_at < now - timedelta(minutes=5):
        raise PostError("scheduled_in_past", "scheduled_at")
    if not draft:
        post_media.check_public(settings, items + ([cover] if cover else []))
    workspace = session.get(Workspace, workspace_id)
    needs_approval = bool(workspace and workspace.require_approval) and role is not Role.OWNER
    composition = secrets.token_hex(8)
    posts = []
    for account in accounts:
        post = Post(
            workspace_id=workspace_id,
            account_id=account.id,
            composition_id=composition,
            type=ptype.value,
            caption=caption,
            first_comment=first_comment,
            collaborators=collaborators or None,
            share_to_feed=share_to_feed,
            thumb_offset_ms=thumb_offset_ms,
            cover_media_id=cover.id if cover else None,
            scheduled_at=scheduled_at,
            created_by_id=user.id,
            attempts=0,
        )
        for pos, item in enumerate(items):
            alt = alt_texts[pos] if alt_texts and pos < len(alt_texts) else None
            post.media.append(PostMedia(media_id=item.id, position=pos, alt_text=alt or None))
        if draft:
            post.status = PostStatus.DRAFT.value
        elif needs_approval:
            post.status = PostStatus.PENDING_APPROVAL.value
        else:
            schedule(settings, post, scheduled_at, now)
            if role is Role.OWNER:
                post.approved_by_id = user.id
        session.add(post)
        posts.append(post)
    session.flush()
    for post in posts:
        add_log(session, post, "created", "info", message_key=post.status)
    return posts


def _media_items(
    session: Session, workspace_id: int, media_ids: Sequence[int], field: str = "media_ids"
) -> list[MediaItem]:
    items = []
    for media_id in media_ids:
        item = session.scalar(scoped(MediaItem, workspace_id).where(MediaItem.id == media_id))
        if item is None:
            raise PostError("media_not_found", field)
        if item.state != MediaState.READY.value:
            raise PostError("media_not_ready", field)
        items.append(item)
    return items


def duplicate_warnings(
    session: Session, account_id: int, media_ids: Sequence[int], caption: str
) -> list[dict]:
    """Posts of the account in the last 30 days (or scheduled) with the same media or caption."""
    since = utcnow() - DUPLICATE_WINDOW
    live = [s.value for s in PostStatus if s.value not in ("draft", "failed", "cancelled")]
    base = select(Post).where(
        Post.account_id == account_id,
        Post.status.in_(live),
        or_(Post.published_at.is_(None), Post.published_at >= since),
        or_(Post.scheduled_at.is_(None), Post.scheduled_at >= since),
    )
    out: list[dict] = []
    if media_ids:
        rows = session.scalars(
            base.join(PostMedia).where(PostMedia.media_id.in_(list(media_ids))).distinct()
        )
        out += [{"kind": "same_media", "post_id": p.id, "status": p.status} for p in rows]
    if caption and caption.strip():
        rows = session.scalars(base.where(Post.caption == caption))
        out += [{"kind": "same_caption", "post_id": p.id, "status": p.status} for p in rows]
    return out


def quota_for(session: Session, settings, account: InstagramAccount) -> dict:
    """Publishing quota of the account from content_publishing_limit, plus posts queued in 24 h."""
    return post_media.quota_for(session, settings, account)


def get_post(session: Session, workspace_id: int, post_id) -> Post | None:
    """One post of the workspace, or None."""
    try:
        key = int(post_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(scoped(Post, workspace_id).where(Post.id == key))


def list_posts(
    session: Session,
    workspace_id: int,
    *,
    account_id: int | None = None,
    status: str | Sequence[str] | None = None,
    type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Post]:
    """Posts of a workspace by id, filtered; `start`/`end` bound the scheduled time."""
    stmt = scoped(Post, workspace_id)
    if account_id is not None:
        stmt = stmt.where(Post.account_id == account_id)
    if status:
        stmt = stmt.where(Post.status.in_([status] if isinstance(status, str) else list(status)))
    if type:
        stmt = stmt.where(Post.type == type)
    if start is not None:
        stmt = stmt.where(or_(Post.scheduled_at >= start, Post.published_at >= start))
    if end is not None:
        stmt = stmt.where(or_(Post.scheduled_at < end, Post.published_at < end))
    if after_id is not None:
        stmt = stmt.where(Post.id > after_id)
    return list(session.scalars(stmt.order_by(Post.id).limit(limit)))


def post_log(session: Session, post: Post) -> list[PostLog]:
    """The post's log, oldest first."""
    return list(
        session.scalars(
            select(PostLog).where(PostLog.post_id == post.id).order_by(PostLog.at, PostLog.id)
        )
    )
