"""The media library: uploads, the public URLs Instagram fetches, fixes and deletion.

Contract (see the publishing data contract): get_media, public_url, check_public_url,
media_in_use, delete_media. Files: app.services.media_store; checks and conversions:
media_images and media_video; background work: media_lifecycle.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import socket
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from app.models import MediaItem, MediaKind, MediaState
from app.services import media_images, media_video
from app.services.media_store import (
    MediaError,
    discard,
    install,
    local_copy,
    new_key,
    receive,
    remove_key,
    storage,
    temp_path,
)
from app.services.storage import StorageError
from app.services.workspaces import get_scoped, scoped

__all__ = [
    "MediaError",
    "check_public_url",
    "delete_media",
    "fix_media",
    "get_media",
    "list_media",
    "media_in_use",
    "public_url",
    "release_media",
    "upload_media",
]

log = logging.getLogger("kezek.media")

VIDEO_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime"}


def clean_name(filename: str | None) -> str:
    """The client's file name for display only: no folders, no control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:255]


def _limit_for(settings):
    def limit(head: bytes) -> int:
        kind = media_images.sniff(head)
        if kind is None:
            raise MediaError("unsupported")
        return settings.MEDIA_MAX_VIDEO_BYTES if kind == "video" else settings.MEDIA_MAX_IMAGE_BYTES

    return limit


def upload_media(
    session: Session,
    settings,
    *,
    workspace_id: int,
    user_id: int | None,
    stream: BinaryIO,
    filename: str | None,
) -> MediaItem:
    """Store, check and convert an upload; MediaError (nothing left on disk) if refused."""
    tmp, size, head = receive(settings, stream, _limit_for(settings))
    kind = media_images.sniff(head)
    item = MediaItem(
        workspace_id=workspace_id,
        created_by_id=user_id,
        original_name=clean_name(filename),
        public_token=secrets.token_urlsafe(32),
    )
    try:
        if kind is None:
            raise MediaError("unsupported")
        if kind == "video":
            _store_video(settings, item, tmp, size, head)
        else:
            _store_image(settings, item, tmp, kind)
        session.add(item)
        session.flush()
    except BaseException:
        remove_key(settings, item.storage_key)
        remove_key(settings, item.source_key)
        raise
    finally:
        discard(tmp)
    log.info(
        "media uploaded",
        extra={"media_id": item.id, "kind": item.kind, "state": item.state, "bytes": size},
    )
    return item


def _store_image(settings, item: MediaItem, tmp: Path, kind: str) -> None:
    out = temp_path(settings)
    try:
        validation = media_images.convert_image(tmp, kind, out, settings.MEDIA_MAX_PIXELS)
        key = new_key("jpg")
        install(settings, out, key)
    finally:
        discard(out)
    item.kind = MediaKind.IMAGE.value
    item.state = MediaState.READY.value
    item.content_type = "image/jpeg"
    item.storage_key = key
    item.size_bytes = validation["bytes"]
    item.width, item.height = validation["width"], validation["height"]
    item.progress = 100
    item.validation = validation


def _store_video(settings, item: MediaItem, tmp: Path, size: int, head: bytes) -> None:
    info = media_video.probe(tmp)
    reasons = media_video.transcode_reasons(info, size)
    ext = "mov" if head[8:12] == b"qt  " else "mp4"
    item.kind = MediaKind.VIDEO.value
    item.width, item.height = info["width"], info["height"]
    item.duration_seconds = info["duration"]
    item.size_bytes = size
    item.validation = {
        "probe": info,
        "transcode": reasons,
        "actions": [],
        "warnings": media_video.video_warnings(info),
        "fixes": [],
    }
    if reasons:
        item.state = MediaState.PROCESSING.value
        item.progress = 0
        item.content_type = "video/mp4"
        item.source_key = new_key("src")
        install(settings, tmp, item.source_key)
        item.storage_key = new_key("mp4")
    else:
        item.state = MediaState.READY.value
        item.progress = 100
        item.content_type = VIDEO_TYPES[ext]
        item.storage_key = new_key(ext)
        install(settings, tmp, item.storage_key)


def get_media(session: Session, workspace_id: int, media_id) -> MediaItem | None:
    """One library item of the workspace, or None (also for other workspaces' ids)."""
    return get_scoped(session, MediaItem, media_id, workspace_id)


def list_media(
    session: Session, workspace_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[MediaItem]:
    """The workspace's items, newest first; `before_id` pages on."""
    stmt = scoped(MediaItem, workspace_id).where(MediaItem.removed_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(MediaItem.id < before_id)
    return list(session.scalars(stmt.order_by(MediaItem.id.desc()).limit(limit)))


def file_name(item: MediaItem) -> str:
    """The random file name in the public URL."""
    return PurePosixPath(item.storage_key).name


def public_url(settings, item: MediaItem) -> str:
    """The unguessable URL Instagram fetches the file from."""
    return f"{settings.PUBLIC_BASE_URL}/m/{item.public_token}/{file_name(item)}"


def public_base_problem(settings) -> str | None:
    """In production, why PUBLIC_BASE_URL cannot be fetched by Meta (None when fine)."""
    if not settings.is_production:
        return None
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    if parts.scheme != "https":
        return "public_url_not_https"
    host = parts.hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return "public_url_private"
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except OSError:
        return "public_url_unresolvable"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return "public_url_private"
    return None


def check_public_url(settings, item: MediaItem) -> str | None:
    """Fetch the item's public URL as Instagram would: None when it answers, else a key."""
    if item.state != MediaState.READY.value or item.removed_at is not None:
        return "media_not_ready"
    problem = public_base_problem(settings)
    if problem:
        return problem
    # S3_PUBLIC_URL_MODE=presigned: the URL redirects to the bucket, so follow it there.
    redirects = storage(settings).public_url(item.storage_key) is not None
    try:
        with requests.get(
            public_url(settings, item),
            headers={"Range": "bytes=0-1023"},
            timeout=settings.MEDIA_CHECK_TIMEOUT_SECONDS,
            stream=True,
            allow_redirects=redirects,
        ) as resp:
            if resp.status_code not in (200, 206):
                return "public_url_status"
            if resp.headers.get("Content-Type", "").split(";")[0] != item.content_type:
                return "public_url_wrong_type"
    except requests.RequestException:
        return "public_url_unreachable"
    return None


def _users_of(media_id: int):
    """Conditions telling whether a post references the item (None before posts exist)."""
    try:
        from app.models.post import Post, PostMedia
    except ImportError:  # only while the posts tables are being developed
        return None
    return or_(
        exists().where(PostMedia.media_id == media_id),
        exists().where(Post.cover_media_id == media_id),
    )


def media_in_use(session: Session, media_id: int) -> bool:
    """True while a post lists the item (as media or as a Reel cover)."""
    cond = _users_of(media_id)
    return bool(cond is not None and session.scalar(select(cond)))


def remove_files(settings, item: MediaItem) -> list[str]:
    """Delete an item's files; return the keys actually removed (for the log)."""
    return [k for k in (item.storage_key, item.source_key) if remove_key(settings, k)]


def delete_media(session: Session, item: MediaItem, settings) -> None:
    """Delete a library item and its files; MediaError("in_use") while a post uses it."""
    if media_in_use(session, item.id):
        raise MediaError("in_use")
    removed = remove_files(settings, item)
    log.info("media deleted", extra={"media_id": item.id, "files": removed})
    session.delete(item)
    session.flush()


def release_media(session: Session, settings, media_ids) -> int:
    """After a post is deleted: delete those of its items no other post uses; count them."""
    count = 0
    for media_id in set(media_ids):
        item = session.get(MediaItem, media_id)
        if item is not None and not media_in_use(session, media_id):
            delete_media(session, item, settings)
            count += 1
    return count


def fix_media(session: Session, settings, item: MediaItem, mode: str, user_id) -> MediaItem:
    """A new ready JPEG item: the image cropped or padded into the feed's aspect range."""
    if mode not in ("crop", "pad"):
        raise MediaError("fix_unknown")
    if item.kind != MediaKind.IMAGE.value or item.state != MediaState.READY.value:
        raise MediaError("fix_not_possible")
    if item.removed_at is not None or not (item.validation or {}).get("fixes"):
        raise MediaError("fix_not_needed")
    out = temp_path(settings)
    try:
        with local_copy(settings, item.storage_key) as src:
            validation = media_images.fix_aspect(src, out, mode)
        key = new_key("jpg")
        install(settings, out, key)
    except (OSError, StorageError) as exc:
        raise MediaError("write_failed") from exc
    finally:
        discard(out)
    base = Path(item.original_name).stem or "image"
    new = MediaItem(
        workspace_id=item.workspace_id,
        created_by_id=user_id,
        kind=MediaKind.IMAGE.value,
        state=MediaState.READY.value,
        original_name=clean_name(f"{base}-{mode}.jpg"),
        content_type="image/jpeg",
        size_bytes=validation["bytes"],
        width=validation["width"],
        height=validation["height"],
        storage_key=key,
        public_token=secrets.token_urlsafe(32),
        validation={**validation, "fixed_from": item.id},
        progress=100,
    )
    session.add(new)
    try:
        session.flush()
    except BaseException:
        remove_key(settings, key)
        raise
    return new
