"""Media files: random keys in the storage backend, streamed writes, clean failures.

Uploads are received into MEDIA_DIR/tmp (local scratch space with either backend), then
installed under their key in the storage MEDIA_STORAGE selects (app.services.storage).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from app.services.storage import Storage, StorageError, get_storage

log = logging.getLogger("kezek.media")

CHUNK = 1024 * 1024
# Keys are made by new_key() only: two hex characters, a slash, 32 hex characters, an extension.
KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{2,4}$")
HEAD_BYTES = 64


class MediaError(Exception):
    """An upload or media operation refused; `code` maps to a translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def media_root(settings) -> Path:
    """The media directory (created on first use)."""
    root = Path(settings.MEDIA_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_key(ext: str) -> str:
    """A fresh random storage key such as `3f/3f9c...e1.jpg`."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{ext}"


def storage(settings) -> Storage:
    """The storage backend of these settings (local folder or S3 bucket)."""
    return get_storage(settings)


def path_for(settings, key: str) -> Path:
    """The local path of a storage key (local backend only); refuses keys not from new_key()."""
    if not KEY_RE.fullmatch(key or ""):
        raise ValueError("not a media storage key")
    return media_root(settings) / key


def temp_path(settings) -> Path:
    """A fresh path in MEDIA_DIR/tmp: same file system, so renames are atomic."""
    tmp = media_root(settings) / "tmp"
    tmp.mkdir(exist_ok=True)
    return tmp / f"{secrets.token_hex(16)}.part"


def receive(settings, stream: BinaryIO, limit_for) -> tuple[Path, int, bytes]:
    """Copy an upload stream to a temporary file in chunks, never whole in memory.

    `limit_for(head)` gives the byte limit once the first bytes are known. Returns the
    temporary path, its size and its first bytes. On any failure the partial file is gone.
    """
    try:
        path = temp_path(settings)
    except OSError as exc:
        log.error("the media directory is not writable", extra={"errno": exc.errno})
        raise MediaError("write_failed") from exc
    size = 0
    head = b""
    limit = None
    try:
        with open(path, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if len(head) < HEAD_BYTES:
                    head = (head + chunk)[:HEAD_BYTES]
                if limit is None and len(head) >= min(HEAD_BYTES, 12):
                    limit = limit_for(head)
                size += len(chunk)
                if limit is not None and size > limit:
                    raise MediaError("too_large", limit_mb=round(limit / (1024 * 1024), 2))
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except MediaError:
        discard(path)
        raise
    except OSError as exc:
        discard(path)
        log.error("writing an upload failed", extra={"errno": exc.errno})
        raise MediaError("write_failed") from exc
    except BaseException:
        discard(path)
        raise
    if size == 0:
        discard(path)
        raise MediaError("empty")
    return path, size, head


def install(settings, tmp: Path, key: str) -> None:
    """Move a finished temporary file to its storage key (atomic rename, or an upload)."""
    if not KEY_RE.fullmatch(key or ""):
        discard(tmp)
        raise ValueError("not a media storage key")
    try:
        storage(settings).put_file(key, tmp, move=True)
    except (OSError, StorageError) as exc:
        discard(tmp)
        raise MediaError("write_failed") from exc


@contextmanager
def local_copy(settings, key: str) -> Iterator[Path]:
    """A local file with the key's content for Pillow/PyAV (downloaded when not on disk)."""
    if not KEY_RE.fullmatch(key or ""):
        raise ValueError("not a media storage key")
    store = storage(settings)
    path = store.local_path(key)
    if path is not None:
        yield path
        return
    tmp = temp_path(settings)
    try:
        store.download(key, tmp)
        yield tmp
    finally:
        discard(tmp)


def discard(path: Path | None) -> None:
    """Remove a file if it exists; never raises."""
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove a media file", extra={"file": path.name})


def remove_key(settings, key: str | None) -> bool:
    """Delete the file of a storage key; True when a file was removed."""
    if not key or not KEY_RE.fullmatch(key):
        return False
    try:
        return storage(settings).delete(key)
    except (OSError, StorageError):
        log.warning("could not remove a media file", extra={"file": key.rsplit("/", 1)[-1]})
        return False
