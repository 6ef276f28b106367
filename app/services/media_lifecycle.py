"""Background media work: transcoding claims with leases, and the file lifecycle."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.orm import Session

from app.models import MediaItem, MediaState, utcnow
from app.services import media_video
from app.services.media import remove_files
from app.services.media_store import (
    KEY_RE,
    discard,
    install,
    local_copy,
    media_root,
    remove_key,
    storage,
    temp_path,
)

log = logging.getLogger("kezek.media")

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
# Posts past these states no longer need their files (Instagram has its own copy).
DONE_STATUSES = ("published", "commenting", "done")


class TranscodeCancelled(Exception):
    """The item was deleted or its lease lost while transcoding."""


def claim_processing(session: Session, worker_id: str, now: datetime | None = None):
    """Claim one video waiting for transcoding (row lock + lease); None when there is none."""
    now = now or utcnow()
    stmt = (
        select(MediaItem)
        .where(
            MediaItem.state == MediaState.PROCESSING.value,
            MediaItem.source_key.is_not(None),
            or_(MediaItem.lease_until.is_(None), MediaItem.lease_until < now),
        )
        .order_by(MediaItem.id)
        .limit(1)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    item = session.scalar(stmt)
    if item is None:
        return None
    item.lease_owner = worker_id
    item.lease_until = now + LEASE
    item.attempts += 1
    session.flush()
    return item


def report_progress(session: Session, media_id: int, worker_id: str, percent: int) -> bool:
    """Store progress and extend the lease; False when the item is gone or not ours."""
    result = session.execute(
        update(MediaItem)
        .where(MediaItem.id == media_id, MediaItem.lease_owner == worker_id)
        .values(progress=percent, lease_until=utcnow() + LEASE)
    )
    return result.rowcount == 1


def transcode_claimed(session: Session, settings, item: MediaItem, on_progress) -> str:
    """Transcode a claimed item; returns "ready", "retry", "failed" or "cancelled".

    `on_progress(percent)` is called about once a second; it raises TranscodeCancelled to
    stop (the item was deleted meanwhile).
    """
    media_id, worker = item.id, item.lease_owner
    info = (item.validation or {}).get("probe") or {}
    out = temp_path(settings)
    started = time.monotonic()
    try:
        with local_copy(settings, item.source_key) as src:
            media_video.transcode(src, out, info, on_progress)
        result = media_video.probe(out)
    except TranscodeCancelled:
        discard(out)
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - any codec or file error fails this attempt
        discard(out)
        session.rollback()
        item = session.get(MediaItem, media_id)
        if item is None or item.lease_owner != worker:
            return "cancelled"
        log.warning("transcoding failed", extra={"media_id": media_id, "err": type(exc).__name__})
        item.lease_owner = item.lease_until = None
        if item.attempts >= MAX_ATTEMPTS:
            item.state, item.error_key = MediaState.FAILED.value, "transcode_failed"
            remove_key(settings, item.source_key)
            item.source_key = None
            return "failed"
        return "retry"
    session.rollback()
    item = session.get(MediaItem, media_id)
    if item is None or item.lease_owner != worker:
        discard(out)
        return "cancelled"
    size = out.stat().st_size
    install(settings, out, item.storage_key)
    remove_key(settings, item.source_key)
    validation = dict(item.validation or {})
    validation.update(
        result=result,
        actions=["transcoded"],
        warnings=media_video.video_warnings(result),
    )
    item.validation = validation
    item.source_key = None
    item.state, item.progress = MediaState.READY.value, 100
    item.size_bytes = size
    item.width, item.height = result["width"], result["height"]
    item.duration_seconds = result["duration"]
    item.lease_owner = item.lease_until = None
    log.info(
        "video transcoded",
        extra={"media_id": media_id, "seconds": round(time.monotonic() - started, 1)},
    )
    return "ready"


def _post_refs():
    try:
        from app.models.post import Post, PostMedia
    except ImportError:  # only while the posts tables are being developed
        return None, None
    return Post, PostMedia


def purge_unused(session: Session, settings, now: datetime | None = None) -> list[int]:
    """Delete items (rows and files) that no post uses, older than MEDIA_UNUSED_TTL_SECONDS."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=settings.MEDIA_UNUSED_TTL_SECONDS)
    stmt = select(MediaItem).where(
        MediaItem.created_at < cutoff,
        or_(MediaItem.state != MediaState.PROCESSING.value, MediaItem.lease_until.is_(None)),
    )
    post, post_media = _post_refs()
    if post is not None:
        stmt = stmt.where(
            not_(exists().where(post_media.media_id == MediaItem.id)),
            not_(exists().where(post.cover_media_id == MediaItem.id)),
        )
    removed = []
    for item in session.scalars(stmt.limit(500)):
        files = remove_files(settings, item)
        log.info(
            "purged unused media",
            extra={"media_id": item.id, "workspace_id": item.workspace_id, "files": files},
        )
        removed.append(item.id)
        session.delete(item)
    session.flush()
    return removed


def remove_published(session: Session, settings, now: datetime | None = None) -> list[int]:
    """MEDIA_KEEP_PUBLISHED=false: remove files whose every post is already published."""
    post, post_media = _post_refs()
    if settings.MEDIA_KEEP_PUBLISHED or post is None:
        return []
    used = exists().where(post_media.media_id == MediaItem.id)
    pending = exists().where(
        post_media.media_id == MediaItem.id,
        post_media.post_id == post.id,
        post.status.not_in(DONE_STATUSES),
    )
    pending_cover = exists().where(
        and_(post.cover_media_id == MediaItem.id, post.status.not_in(DONE_STATUSES))
    )
    stmt = select(MediaItem).where(
        MediaItem.removed_at.is_(None), used, not_(pending), not_(pending_cover)
    )
    removed = []
    for item in session.scalars(stmt.limit(500)):
        files = remove_files(settings, item)
        item.removed_at = now or utcnow()
        log.info(
            "removed files of published media",
            extra={"media_id": item.id, "workspace_id": item.workspace_id, "files": files},
        )
        removed.append(item.id)
    session.flush()
    return removed


def sweep_orphans(session: Session, settings, now: float | None = None) -> list[str]:
    """Remove files no item points at (a crash between write and commit), after the TTL.

    Stored files are listed through the storage backend (folder or bucket); temporary files
    of interrupted uploads are always local (MEDIA_DIR/tmp).
    """
    root = media_root(settings)
    cutoff = (now or time.time()) - settings.MEDIA_UNUSED_TTL_SECONDS
    known = set()
    for storage_key, source_key in session.execute(
        select(MediaItem.storage_key, MediaItem.source_key)
    ):
        known.update(k for k in (storage_key, source_key) if k)
    removed = []
    for path in root.glob("tmp/*.part"):
        if path.is_file() and path.stat().st_mtime <= cutoff:
            discard(path)
            removed.append(path.relative_to(root).as_posix())
    store = storage(settings)
    for obj in store.iter_objects():
        if KEY_RE.fullmatch(obj.key) and obj.key not in known and obj.modified <= cutoff:
            if remove_key(settings, obj.key):
                removed.append(obj.key)
    if removed:
        log.info("removed orphan media files", extra={"files": removed[:50], "count": len(removed)})
    return removed


def enforce_lifecycle(session: Session, settings, now: datetime | None = None) -> dict:
    """The lifecycle job: unused uploads, published files (by setting), orphan files."""
    return {
        "purged": purge_unused(session, settings, now),
        "published_removed": remove_published(session, settings, now),
        "orphans": sweep_orphans(session, settings, now.timestamp() if now else None),
    }
