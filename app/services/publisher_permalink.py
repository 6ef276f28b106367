"""Permalinks of published posts: one `GET /{media-id}?fields=permalink` each, off the clock.

`media_publish` answers with the media id only. The permalink is looked up after the post is
already stored as published (`done`), by idle publishing threads only (at most a quarter of
them, and only while no post is being published), so it can never delay a publish. Instagram
Login documents no multi-id lookup, hence one call per post (`PUBLISH_PERMALINK_LOOKUP=false`
turns it off; the account's media sync then fills permalinks, see `fill_permalinks`).
A failed lookup is tried again after `RETRY_AFTER`, for at most `WINDOW` after publishing.
Claims use the post's lease like publishing does, so several workers never look up one post.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from app.instagram import InstagramError
from app.models import AccountStatus, InstagramAccount, InstagramMedia, utcnow
from app.models.post import Post, PostStatus

log = logging.getLogger("kezek.publisher")

WINDOW = timedelta(days=1)
RETRY_AFTER = timedelta(minutes=15)


def _free(now: datetime):
    return or_(Post.lease_until.is_(None), Post.lease_until < now)


def claim_permalinks(
    session: Session, worker_id: str, now: datetime, lease_seconds: int, limit: int
) -> list[int]:
    """Claim up to `limit` published posts still without a permalink; commits; their ids."""
    if limit <= 0:
        return []
    stmt = (
        select(Post.id)
        .join(InstagramAccount, InstagramAccount.id == Post.account_id)
        .where(
            Post.status == PostStatus.DONE.value,
            Post.ig_media_id.is_not(None),
            Post.permalink.is_(None),
            Post.published_at >= now - WINDOW,
            _free(now),
            InstagramAccount.status == AccountStatus.ACTIVE.value,
        )
        .order_by(Post.published_at, Post.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True, of=Post)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(
            update(Post)
            .where(Post.id.in_(ids), Post.permalink.is_(None), _free(now))
            .values(lease_owner=worker_id, lease_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        ids = list(
            session.scalars(select(Post.id).where(Post.id.in_(ids), Post.lease_owner == worker_id))
        )
    session.commit()
    return ids


def fetch_permalink(publisher, post_id: int, now: datetime | None = None) -> bool:
    """Look up and store one claimed post's permalink; True when it was stored."""
    from app.services.publisher_graph import token_of

    now = now or utcnow()
    with publisher.sessions() as session:
        session.autoflush = False
        row = session.execute(
            select(
                Post.ig_media_id,
                Post.lease_owner,
                InstagramAccount.id,
                InstagramAccount.token_ciphertext,
            )
            .join(InstagramAccount, InstagramAccount.id == Post.account_id)
            .where(Post.id == post_id)
        ).first()
        if row is None or row.lease_owner != publisher.worker_id:
            return False
        session.rollback()  # no transaction held across the Graph call
        permalink = None
        token = token_of(publisher.settings, row)  # needs only id and token_ciphertext
        if token is not None:
            try:
                media = publisher.client().get_media(token, row.ig_media_id, fields="permalink")
                permalink = media.get("permalink") or None
            except InstagramError as err:
                log.info(
                    "permalink lookup failed",
                    extra={"post": post_id, "code": err.code, "key": err.message_key},
                )
            publisher.take_usage()  # publishing records usage; this lookup does not need to
        values = {"lease_owner": None, "lease_until": None if permalink else now + RETRY_AFTER}
        if permalink:
            values["permalink"] = permalink
        with publisher.write_lock:
            session.execute(
                update(Post)
                .where(Post.id == post_id, Post.lease_owner == publisher.worker_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        return permalink is not None


def fill_permalinks(session: Session, limit: int = 200) -> int:
    """Copy permalinks of published posts from the synced account media (no Graph call)."""
    rows = session.execute(
        select(Post, InstagramMedia.permalink)
        .join(
            InstagramMedia,
            and_(
                InstagramMedia.account_id == Post.account_id,
                InstagramMedia.ig_media_id == Post.ig_media_id,
            ),
        )
        .where(
            Post.ig_media_id.is_not(None),
            Post.permalink.is_(None),
            InstagramMedia.permalink.is_not(None),
        )
        .limit(limit)
    ).all()
    for post, permalink in rows:
        post.permalink = permalink
    return len(rows)
