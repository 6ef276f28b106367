"""Media files in a local folder (MEDIA_DIR): atomic renames, fsync'd writes."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.services.storage import ObjectInfo, check_key

CHUNK = 1024 * 1024
# Folders of MEDIA_DIR that hold no stored media: upload scratch space and data exports.
RESERVED = ("tmp", "exports")


class SliceReader:
    """At most `length` bytes of an open file (a Range of it)."""

    def __init__(self, f: BinaryIO, length: int):
        self._f, self._left = f, length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._f.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalStorage:
    """Files under one folder, each at `<root>/<key>`."""

    kind = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _temp(self) -> Path:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp / f"{secrets.token_hex(16)}.part"

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if move:
            try:
                os.replace(path, dest)
                return
            except OSError as exc:
                if exc.errno != 18:  # EXDEV: another file system, copy instead
                    raise
        with open(path, "rb") as src:
            self.put_stream(key, src)
        if move:
            Path(path).unlink(missing_ok=True)

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        dest = self.path(key)
        tmp = self._temp()
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        f = open(self.path(key), "rb")  # noqa: SIM115 - the caller closes it
        if start:
            f.seek(start)
        return f if length is None else SliceReader(f, length)

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self.path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return ObjectInfo(key=key, size=st.st_size, modified=st.st_mtime)

    def size(self, key: str) -> int | None:
        info = self.stat(key)
        return None if info is None else info.size

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> bool:
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_objects(self) -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if rel.split("/", 1)[0] in RESERVED:
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                yield ObjectInfo(key=rel, size=st.st_size, modified=st.st_mtime)

    def download(self, key: str, dest: Path) -> None:
        shutil.copyfile(self.path(key), dest)

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    def public_url(self, key: str, *, content_type: str | None = None) -> str | None:
        return None
