"""Hostile uploads through the API route too: each refused with a clear message, nothing kept.

The dashboard route is covered case by case in tests/media/test_refusals.py; the same cases
(reused from there) plus truncated videos and oversized files go through POST /api/v1/media
here, which has its own body handling.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.models import MediaItem
from tests.api.conftest import Api
from tests.media.conftest import files_on_disk, upload, video_bytes
from tests.media.test_refusals import CASES


@pytest.fixture
def media_dir(app, tmp_path):
    app.config["SETTINGS"].MEDIA_DIR = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def api(client, make_user, session):
    from app.services.api_tokens import create_token

    user = make_user("alice")
    _row, raw = create_token(session, user, "uploads")
    session.commit()
    return Api(client, raw)


def _send(api, data: bytes, name: str):
    return api.post(
        "/media", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _refused(resp, session, media_dir, message: str = ""):
    assert resp.status_code in (413, 422), resp.get_data(as_text=True)
    error = resp.json["error"]
    assert error["message"] and message in error["message"], error
    assert session.scalar(select(func.count()).select_from(MediaItem)) == 0
    assert files_on_disk(media_dir) == []


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_files_through_the_api(api, session, media_dir, case):
    data, name, message = CASES[case]
    _refused(_send(api, data, name), session, media_dir, message)


@pytest.mark.parametrize("route", ["api", "dashboard"])
def test_a_truncated_video_is_refused(api, client, session, media_dir, tmp_path, route):
    whole = video_bytes(tmp_path)
    cut = whole[: len(whole) // 3]
    if route == "api":
        _refused(_send(api, cut, "clip.mp4"), session, media_dir)
    else:
        from tests.conftest import login

        login(client, "alice")
        resp = upload(client, cut, name="clip.mp4")
        assert resp.status_code == 422 and resp.json["message"]
        assert files_on_disk(media_dir) == []


@pytest.mark.parametrize(
    "name", ["../../../../tmp/kezek-evil.jpg", "..\\..\\evil.jpg", "/etc/passwd", "a\x00b.jpg"]
)
def test_traversal_names_through_the_api_stay_inside_the_media_dir(
    api, session, media_dir, name, tmp_path
):
    from tests.media.conftest import image_bytes

    resp = _send(api, image_bytes(), name)
    if resp.status_code == 201:
        item = session.get(MediaItem, int(resp.json["id"]))
        assert ".." not in item.storage_key and not item.storage_key.startswith("/")
        assert files_on_disk(media_dir) == [item.storage_key]
    else:
        _refused(resp, session, media_dir)
    assert not (tmp_path.parent / "kezek-evil.jpg").exists()


@pytest.mark.settings(MEDIA_MAX_IMAGE_BYTES=20_000, MEDIA_MAX_VIDEO_BYTES=20_000)
def test_an_oversized_file_through_the_api(api, session, media_dir):
    _refused(_send(api, b"\xff\xd8\xff" + b"\x00" * 200_000, "big.jpg"), session, media_dir)
