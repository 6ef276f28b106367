"""What the posts need from media and from Instagram outside the worker: URLs, checks, quota."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.instagram import InstagramError
from app.models import InstagramAccount, utcnow
from app.models.media import MediaItem, MediaKind
from app.models.post import Post, PostStatus, PostType
from app.services.post_rules import PostError

log = logging.getLogger(__name__)

DEFAULT_VIDEO_LEAD_SECONDS = 900


def public_url(settings, item: MediaItem) -> str:
    """The URL Instagram fetches the file from."""
    from app.services import media

    return media.public_url(settings, item)


def check_public(settings, items: Sequence[MediaItem]) -> None:
    """Raise PostError when a media URL does not answer from the public side."""
    from app.services import media

    for item in items:
        problem = media.check_public_url(settings, item)
        if problem:
            raise PostError(problem, "media_ids")


def has_video(post: Post) -> bool:
    """Whether a post needs video processing (so its containers are made ahead of time)."""
    if post.type == PostType.REEL.value:
        return True
    return any(pm.item is not None and pm.item.kind == MediaKind.VIDEO.value for pm in post.media)


def video_lead(settings) -> timedelta:
    seconds = getattr(settings, "PUBLISH_VIDEO_LEAD_SECONDS", DEFAULT_VIDEO_LEAD_SECONDS)
    return timedelta(seconds=seconds)


def first_attempt_at(settings, post: Post, when: datetime | None, now: datetime | None) -> datetime:
    """When the worker first looks at a post: due time, or the video lead before it."""
    now = now or utcnow()
    if when is None:
        return now
    start = when - video_lead(settings) if has_video(post) else when
    return max(start, now) if start < now else start


def quota_for(session: Session, settings, account: InstagramAccount) -> dict:
    """The account's publishing quota read from content_publishing_limit (never hard-coded).

    `used` counts posts published in the rolling window; `queued` the posts due within the
    next window; `warning` is true when used + queued would exceed the total.
    """
    from app.services.instagram import make_client, read_token, usage_recorder

    out = {"used": None, "total": None, "window_seconds": None, "queued": 0, "warning": False}
    try:
        client = make_client(settings, on_usage=usage_recorder(session))
        limit = client.get_publishing_limit(
            read_token(settings, account), ig_user_id=account.ig_user_id
        )
    except (InstagramError, Exception) as exc:  # noqa: BLE001 - quota is advisory
        log.info("quota unavailable", extra={"account": account.id, "err": type(exc).__name__})
        return out
    window = limit.quota_duration or 86400
    horizon = utcnow() + timedelta(seconds=window)
    queued = (
        session.scalar(
            select(func.count(Post.id)).where(
                Post.account_id == account.id,
                Post.status.in_(
                    [
                        PostStatus.SCHEDULED.value,
                        PostStatus.PREPARING.value,
                        PostStatus.READY.value,
                        PostStatus.PENDING_APPROVAL.value,
                    ]
                ),
                (Post.scheduled_at.is_(None)) | (Post.scheduled_at < horizon),
            )
        )
        or 0
    )
    out.update(
        used=limit.quota_usage,
        total=limit.quota_total,
        window_seconds=window,
        queued=queued,
        warning=limit.quota_total is not None and limit.quota_usage + queued >= limit.quota_total,
    )
    return out


def release_media(session: Session, settings, media_ids: Sequence[int]) -> None:
    """Delete media items (and their files) that no post uses any more."""
    from app.services import media

    media.release_media(session, settings, media_ids)
