"""Changing posts after they were composed: edit, reschedule, cancel, retry, approve, delete."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import Membership, Role, Workspace, utcnow
from app.models.post import EDITABLE_STATUSES, Post, PostLog, PostStatus
from app.services import post_media
from app.services.post_rules import PostError, validate_caption

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


def _needs_approval(session: Session, post: Post) -> bool:
    """A draft of a workspace that requires approval, not yet approved by an owner."""
    ws = session.get(Workspace, post.workspace_id)
    return bool(ws and ws.require_approval) and post.approved_by_id is None


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
    # Containers of an earlier attempt are not reused (a PUBLISHED one never gets here).
    post.container_id = post.container_status = None
    for pm in post.media:
        pm.container_id = pm.container_status = None


def _require_editable(post: Post, session: Session | None = None) -> None:
    """Refuse once publishing started; with a session, also lock the row against the worker.

    The conditional UPDATE fails when the worker moved the post on since it was read, and it
    holds the row until commit, so the worker's own lease-guarded write then sees the change.
    """
    if post.status not in EDITABLE_STATUSES:
        raise PostError("not_editable")
    if session is not None and post.id is not None:
        res = session.execute(
            update(Post)
            .where(Post.id == post.id, Post.status == post.status)
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            raise PostError("not_editable")


def update_post(session: Session, post: Post, **changes) -> Post:
    """Change caption, first comment, alt texts, collaborators etc. before publishing starts."""
    _require_editable(post, session)
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
    _require_editable(post, session)
    if when is not None and when.tzinfo is None:
        raise PostError("scheduled_at_invalid", "scheduled_at")
    if post.status == PostStatus.PENDING_APPROVAL.value:
        post.scheduled_at = when
    elif post.status == PostStatus.DRAFT.value and _needs_approval(session, post):
        post.scheduled_at = when
        post.status = PostStatus.PENDING_APPROVAL.value
    else:
        schedule(settings, post, when)
    add_log(session, post, "rescheduled", "info")
    session.flush()
    return post


def cancel_post(session: Session, post: Post) -> Post:
    """Stop a post from being published."""
    _require_editable(post, session)
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
