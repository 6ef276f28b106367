"""Where media files live: a local folder (MEDIA_DIR) or an S3-compatible bucket.

Every media file access goes through a `Storage`, chosen by MEDIA_STORAGE (`get_storage`).
Keys are relative, slash-separated names such as `3f/3f9c...e1.jpg` (made by
app.services.media_store.new_key). Temporary files of uploads and processing stay on the
local disk (MEDIA_DIR/tmp) with either backend: Pillow and PyAV need real files.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

__all__ = [
    "ObjectInfo",
    "Storage",
    "StorageError",
    "check_key",
    "content_type_for",
    "get_storage",
]

KINDS = ("local", "s3")
PUBLIC_URL_MODES = ("proxy", "presigned")
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


class StorageError(Exception):
    """The storage backend failed (unreachable, refused); never carries credentials."""


@dataclass(frozen=True)
class ObjectInfo:
    """What is known about a stored file."""

    key: str
    size: int
    modified: float  # seconds since the epoch
    etag: str | None = None


class Storage(Protocol):
    """The operations media code needs; both backends behave the same way."""

    kind: str

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        """Store a local file under `key` (replacing any); `move` consumes the file."""

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        """Store what `stream` yields under `key` (replacing any)."""

    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        """A readable stream of the file (or of `length` bytes from `start`).

        FileNotFoundError when there is no such file. The caller closes it.
        """

    def stat(self, key: str) -> ObjectInfo | None:
        """Size, modification time and ETag; None when there is no such file."""

    def size(self, key: str) -> int | None:
        """The file's size in bytes; None when there is no such file."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""

    def delete(self, key: str) -> bool:
        """Remove the file; True when there was one."""

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Every stored file (for lifecycle sweeps), in no particular order."""

    def download(self, key: str, dest: Path) -> None:
        """Copy the file to a local path (for Pillow/PyAV)."""

    def local_path(self, key: str) -> Path | None:
        """The file's path when it is on this machine's disk, else None."""

    def public_url(self, key: str, *, content_type: str | None = None) -> str | None:
        """A short-lived direct URL to hand out instead of serving the file, or None."""


def check_key(key: str) -> str:
    """Refuse anything but a plain relative key (no `..`, no leading slash, no odd bytes)."""
    if not key or not _KEY_RE.fullmatch(key) or ".." in key.split("/"):
        raise ValueError("not a storage key")
    return key


def content_type_for(key: str) -> str:
    """The Content-Type a stored file is served with, from its key's extension."""
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


_cache: dict[tuple, Storage] = {}
_lock = threading.Lock()


def get_storage(settings) -> Storage:
    """The backend MEDIA_STORAGE selects (one shared instance per configuration)."""
    kind = getattr(settings, "MEDIA_STORAGE", "local") or "local"
    if kind == "local":
        from app.services.storage.local import LocalStorage

        return LocalStorage(Path(settings.MEDIA_DIR))
    if kind != "s3":
        raise ValueError("MEDIA_STORAGE must be local or s3")
    from app.services.storage.s3 import S3Storage

    config = S3Storage.config_from(settings)
    key = tuple(sorted(config.items()))
    with _lock:
        store = _cache.get(key)
        if store is None:
            store = _cache[key] = S3Storage(**config)
    return store
