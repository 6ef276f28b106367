"""What is refused at upload: each with a clear message and nothing left on disk."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.models import MediaItem
from tests.media.conftest import files_on_disk, image_bytes, upload, video_bytes


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("shell.php", "<?php system($_GET['c']); ?>")
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 1024)
    idat_chunk = b"IDAT" + idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + chunk
        + crc
        + struct.pack(">I", len(idat))
        + idat_chunk
        + struct.pack(">I", zlib.crc32(idat_chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


CASES = {
    "text named .jpg": (b"hello, this is not an image at all\n" * 20, "photo.jpg", "not an image"),
    "html named .png": (b"<html><script>alert(1)</script></html>", "a.png", "not an image"),
    "gif": (image_bytes("GIF"), "anim.gif", "not an image"),
    "jpeg with a zip appended (polyglot)": (image_bytes() + _zip(), "p.jpg", "extra data"),
    "png with html appended": (image_bytes("PNG") + b"<script>x</script>", "p.png", "extra data"),
    "truncated jpeg": (image_bytes(size=(600, 600))[:900], "cut.jpg", "damaged"),
    "jpeg magic then garbage": (b"\xff\xd8\xff\xe0" + b"\x13" * 4000, "g.jpg", "damaged"),
    "decompression bomb": (_png_header_only(30000, 30000), "bomb.png", "too many pixels"),
    "empty file": (b"", "empty.jpg", "empty"),
    "traversal name, garbage": (b"#!/bin/sh\nrm -rf /\n", "../../../etc/cron.d/x.jpg", "not an"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_a_message_and_nothing_on_disk(editor, session, media_dir, case):
    data, name, message = CASES[case]
    resp = upload(editor, data, name=name)
    assert resp.status_code in (413, 422), resp.json
    assert message in resp.json["message"]
    assert "id" not in resp.json
    assert session.scalar(select(func.count()).select_from(MediaItem)) == 0
    assert files_on_disk(media_dir) == []


def test_a_traversal_name_never_leaves_the_media_dir(editor, session, media_dir, tmp_path):
    resp = upload(editor, image_bytes(), name="..\\..\\../../outside/evil.jpg")
    assert resp.status_code == 201
    item = session.get(MediaItem, resp.json["id"])
    assert item.original_name == "evil.jpg"
    assert not (tmp_path / "outside").exists()
    assert files_on_disk(media_dir) == [item.storage_key]


@pytest.mark.settings(MEDIA_MAX_IMAGE_BYTES=50_000)
def test_an_image_over_the_size_limit_is_refused(editor, session, media_dir):
    noisy = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(noisy, "PNG")
    assert len(noisy.getvalue()) > 50_000
    resp = upload(editor, noisy.getvalue(), name="big.png")
    assert resp.status_code == 413
    assert "too large" in resp.json["message"] and "0 MB" not in resp.json["message"]
    assert files_on_disk(media_dir) == []


@pytest.mark.settings(MEDIA_MAX_PIXELS=1_000_000)
def test_the_pixel_limit_setting_refuses_larger_images(editor, media_dir):
    resp = upload(editor, image_bytes(size=(1200, 1000)))
    assert resp.status_code == 422 and "megapixels" in resp.json["message"]
    assert files_on_disk(media_dir) == []


def test_a_write_error_gives_a_clear_message_and_leaves_no_file(editor, session, media_dir):
    media_dir.mkdir(parents=True)
    (media_dir / "tmp").write_text("a file where the upload folder should be")
    resp = upload(editor, image_bytes())
    assert resp.status_code == 422
    assert "could not save the file" in resp.json["message"]
    assert files_on_disk(media_dir) == ["tmp"]
    assert session.scalar(select(func.count()).select_from(MediaItem)) == 0


@pytest.mark.parametrize("faststart", [True, False])
def test_truncated_videos_are_refused(editor, session, media_dir, tmp_path, faststart):
    data = video_bytes(tmp_path, faststart=faststart)
    resp = upload(editor, data[: len(data) * 2 // 3], name="clip.mp4")
    assert resp.status_code == 422
    assert "incomplete" in resp.json["message"] or "could not be read" in resp.json["message"]
    assert files_on_disk(media_dir) == []


def test_a_video_container_with_garbage_inside_is_refused(editor, media_dir):
    fake = struct.pack(">I4s4s", 20, b"ftyp", b"isom") + b"\x00" * 8 + b"\x42" * 5000
    resp = upload(editor, fake, name="movie.mp4")
    assert resp.status_code == 422
    assert files_on_disk(media_dir) == []


def test_the_page_form_without_script_flashes_the_refusal(editor):
    from tests.conftest import csrf_from

    token = csrf_from(editor.get("/media/").text)
    resp = editor.post(
        "/media/upload",
        data={"csrf_token": token, "file": (io.BytesIO(b"nope" * 10), "x.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert resp.status_code == 200 and b"not an image or video" in resp.data


def test_upload_without_csrf_token_is_refused(editor, media_dir):
    resp = editor.post(
        "/media/upload",
        data={"file": (io.BytesIO(image_bytes()), "x.jpg")},
        content_type="multipart/form-data",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert resp.status_code == 400
    assert files_on_disk(media_dir) == []
