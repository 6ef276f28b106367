"""The media volume fills up during an upload: a clear error and no partial file left.

For real: MEDIA_DIR is a 1 MiB tmpfs, so the kernel answers ENOSPC while the upload is
copied or while the converted JPEG is written. Mounting needs root; without it the test
re-runs itself inside a user + mount namespace (`unshare --user --map-root-user --mount`),
where an unprivileged user may mount a tmpfs of its own.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image
from sqlalchemy import func, select

from app import create_app
from app.config import ROOT
from app.models import MediaItem
from tests.conftest import app_config
from tests.media.conftest import files_on_disk, upload

SIZE = "1m"
CHILD = "KEZEK_DISKFULL_CHILD"


def noise(side: int, fmt: str = "JPEG") -> bytes:
    """An image of random pixels: it hardly compresses, so its size is predictable."""
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buf = io.BytesIO()
    img.save(buf, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _mount_tmpfs(path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.fixture
def full_volume(tmp_path):
    """MEDIA_DIR on a 1 MiB tmpfs (root or a user namespace only)."""
    if os.geteuid() != 0:
        pytest.fail("needs root or the user-namespace re-run (see test_disk_full below)")
    path = tmp_path / "media"
    _mount_tmpfs(path)
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True, timeout=30)


@pytest.fixture
def app(engine, database_url, full_volume):
    return create_app({**app_config(database_url, MEDIA_DIR=str(full_volume)), "ENGINE": engine})


def _fill(media_dir, leave: int):
    """Fill the volume but `leave` bytes with a file of our own (removed by the caller)."""
    free = os.statvfs(media_dir).f_bavail * os.statvfs(media_dir).f_frsize
    filler = media_dir / "filler"
    with open(filler, "wb") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


def _check(editor, session, media_dir, body: bytes, name: str, leave: int | None):
    filler = _fill(media_dir, leave) if leave is not None else None
    resp = upload(editor, body, name)
    if filler is not None:
        filler.unlink()
    assert resp.status_code in (400, 413, 422, 500, 503, 507), resp.status_code
    assert resp.status_code != 500
    assert "could not save the file" in resp.text, resp.text[:300]
    assert files_on_disk(media_dir) == []  # no partial file, no temporary file
    assert session.scalar(select(func.count(MediaItem.id))) == 0
    # The volume still works for a file that fits: the failure left nothing behind.
    small = upload(editor, noise(120), "small.jpg")
    assert small.status_code in (200, 201), small.text[:300]
    assert len(files_on_disk(media_dir)) == 1


def _run_in_namespace() -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("not root and no `unshare` (util-linux): cannot mount a small tmpfs")
    env = {**os.environ, CHILD: "1", "KEZEK_TEST_DBS": os.environ.get("KEZEK_TEST_DBS", "")}
    proc = subprocess.run(
        [
            unshare,
            "--user",
            "--map-root-user",
            "--mount",
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_upload_while_the_volume_fills_up",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.parametrize(
    "side,fmt,leave",
    [(1100, "JPEG", None), (300, "PNG", 300 * 300 * 3 + 16384)],
    ids=["copying the upload", "writing the JPEG"],
)
def test_upload_while_the_volume_fills_up(request, database_url, side, fmt, leave):
    """A 1100 px noise JPEG (~1.4 MB) does not fit the 1 MiB volume while it is copied; a
    300 px noise PNG (~270 KB) fits what is left, but the JPEG it is converted to does not."""
    if os.geteuid() != 0 and not os.environ.get(CHILD):
        _run_in_namespace()
        return
    editor = request.getfixturevalue("editor")
    session = request.getfixturevalue("session")
    media_dir = request.getfixturevalue("full_volume")
    _check(editor, session, media_dir, noise(side, fmt), f"big.{fmt.lower()}", leave)
