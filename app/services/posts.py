"""Posts: creating, editing, approving, listing (the worker is app.services.publisher)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.models import InstagramAccount, Membership, Role, Workspace, utcnow
from app.models.media import MediaItem, MediaKind, MediaState
from app.models.post import EDITABLE_STATUSES, Post, PostLog, PostMedia, PostStatus, PostType
from app.services import post_media
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
DEFAULT_DEADLINE_SECONDS = 6 * 3600


def _role(session: Session, user, workspace_id: int) -> Role | None:
    if user is None:
        return None
    m = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace_id
        )
    )
    return Role(m.role) if m else None


def _deadline(settings, when: datetime | None) -> datetime:
    seconds = getattr(settings, "PUBLISH_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS)
    return (when or utcnow()) + timedelta(seconds=seconds)


def schedule(settings, post: Post, when: datetime | None, now: datetime | None = None) -> None:
    """Put a post in the queue for `when` (None = now), clearing any previous outcome."""
    post.status = PostStatus.SCHEDULED.value
    post.scheduled_at = when
    post.next_attempt_at = post_media.first_attempt_at(settings, post, when, now)
    post.deadline_at = _deadline(settings, when or now)
    post.attempts = 0
    post.error_key = None
    post.error_message = None
    post.lease_owner = None
    post.lease_until = None


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


def _require_editable(post: Post) -> None:
    if post.status not in EDITABLE_STATUSES:
        raise PostError("not_editable")


def update_post(session: Session, post: Post, **changes) -> Post:
    """Change caption, first comment, alt texts, collaborators etc. before publishing starts."""
    _require_editable(post)
    if "caption" in changes and changes["caption"] is not None:
        problems = validate_caption(changes["caption"])
        if problems:
            raise PostError(problems[0], "caption")
        post.caption = changes["caption"]
    if "first_comment" in changes:
        text = (changes["first_comment"] or "").strip() or None
        if text and len(text) > 2200:
            raise PostError("first_comment_too_long", "first_comment")
        post.first_comment = text
    if changes.get("collaborators") is not None:
        names = [c.strip().lstrip("@") for c in changes["collaborators"] if c and c.strip()]
        if len(names) > 3:
            raise PostError("too_many_collaborators", "collaborators")
        post.collaborators = names or None
    if changes.get("share_to_feed") is not None:
        post.share_to_feed = bool(changes["share_to_feed"])
    if "thumb_offset_ms" in changes:
        post.thumb_offset_ms = changes["thumb_offset_ms"]
    if changes.get("alt_texts") is not None:
        for pm, alt in zip(post.media, changes["alt_texts"], strict=False):
            pm.alt_text = alt or None
    session.flush()
    return post


def reschedule(session: Session, post: Post, when: datetime | None, settings=None) -> Post:
    """Move a post to another time (None = now); a draft or failed post becomes scheduled."""
    _require_editable(post)
    if when is not None and when.tzinfo is None:
        raise PostError("scheduled_at_invalid", "scheduled_at")
    if post.status == PostStatus.PENDING_APPROVAL.value:
        post.scheduled_at = when
    else:
        for pm in post.media:
            pm.container_id, pm.container_status = None, None
        schedule(settings, post, when)
    add_log(session, post, "rescheduled", "info")
    session.flush()
    return post


def cancel_post(session: Session, post: Post) -> Post:
    """Stop a post from being published."""
    _require_editable(post)
    post.status = PostStatus.CANCELLED.value
    post.next_attempt_at = None
    add_log(session, post, "cancelled", "info")
    session.flush()
    return post


def retry_post(session: Session, post: Post, settings=None) -> Post:
    """Queue a failed post again, now; containers already published are never re-sent."""
    if post.status != PostStatus.FAILED.value:
        raise PostError("not_failed")
    if post.ig_media_id:
        # Published already: only the steps after publishing are retried.
        post.status = PostStatus.PUBLISHED.value
        post.next_attempt_at = utcnow()
        post.deadline_at = _deadline(settings, utcnow())
        post.error_key = post.error_message = None
        post.attempts = 0
    else:
        schedule(settings, post, None)
    add_log(session, post, "retry", "info")
    session.flush()
    return post


def approve_post(session: Session, post: Post, user, settings=None) -> Post:
    """An owner approves a pending post: it is scheduled for its time."""
    if post.status != PostStatus.PENDING_APPROVAL.value:
        raise PostError("not_pending")
    role = _role(session, user, post.workspace_id)
    if role is not Role.OWNER:
        raise PostError("forbidden")
    when = post.scheduled_at
    if when is not None and when < utcnow():
        when = None
    schedule(settings, post, when)
    post.approved_by_id = user.id
    post.review_comment = None
    add_log(session, post, "approved", "info")
    session.flush()
    return post


def send_back(session: Session, post: Post, user, comment: str) -> Post:
    """An owner returns a pending post to its author as a draft with a comment."""
    if post.status != PostStatus.PENDING_APPROVAL.value:
        raise PostError("not_pending")
    if _role(session, user, post.workspace_id) is not Role.OWNER:
        raise PostError("forbidden")
    post.status = PostStatus.DRAFT.value
    post.review_comment = (comment or "").strip() or None
    add_log(session, post, "sent_back", "info")
    session.flush()
    return post


def delete_post(session: Session, post: Post, settings) -> None:
    """Delete a post (not while it is being published) and media files nothing else uses."""
    if post.status in ("preparing", "ready", "publishing"):
        raise PostError("not_deletable")
    media_ids = [pm.media_id for pm in post.media]
    if post.cover_media_id:
        media_ids.append(post.cover_media_id)
    session.execute(delete(PostLog).where(PostLog.post_id == post.id))
    session.delete(post)
    session.flush()
    post_media.release_media(session, settings, media_ids)


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
    """Posts of a workspace by id, filtered; `start`/`end` bound the scheduled (or creation) time."""
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


def add_log(
    session: Session,
    post: Post,
    step: str,
    result: str,
    *,
    code: int | None = None,
    subcode: int | None = None,
    fbtrace_id: str | None = None,
    message_key: str | None = None,
    detail: str | None = None,
) -> PostLog:
    """Append one step to the post's log."""
    row = PostLog(
        post_id=post.id,
        at=utcnow(),
        step=step[:32],
        result=result[:16],
        code=code,
        subcode=subcode,
        fbtrace_id=(fbtrace_id or None) and fbtrace_id[:64],
        message_key=(message_key or None) and message_key[:64],
        detail=(detail or None) and detail[:2000],
    )
    session.add(row)
    return row
