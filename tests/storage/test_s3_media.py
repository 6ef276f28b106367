"""The media library with MEDIA_STORAGE=s3, end to end against a local S3 server."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.models import MediaItem, utcnow
from app.services.media import check_public_url, fix_media
from app.services.media_lifecycle import enforce_lifecycle
from scheduler import jobs as scheduler_jobs
from scheduler import media_jobs
from tests.conftest import csrf_from
from tests.media.conftest import files_on_disk, image_bytes, upload, video_bytes
from tests.storage.conftest import ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, bucket_keys

ORPHAN = "0f/" + "0f" * 16 + ".jpg"


def _path(item: MediaItem) -> str:
    return f"/m/{item.public_token}/{Path(item.storage_key).name}"


def _object(s3, prefix: str, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=prefix + key)["Body"].read()


@pytest.fixture
def item(editor, session):
    resp = upload(editor, image_bytes(size=(1000, 1000)))
    assert resp.status_code == 201, resp.json
    return session.get(MediaItem, resp.json["id"])


def test_upload_lands_in_the_bucket_and_is_served_with_ranges(app, item, s3, s3_prefix, media_dir):
    assert bucket_keys(s3, s3_prefix) == [item.storage_key]
    assert files_on_disk(media_dir) == []  # nothing kept on this server's disk
    stored = _object(s3, s3_prefix, item.storage_key)
    assert stored[:3] == b"\xff\xd8\xff" and len(stored) == item.size_bytes

    anonymous = app.test_client()
    full = anonymous.get(_path(item))
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.data == stored and full.headers["Accept-Ranges"] == "bytes"
    assert full.headers["Cache-Control"] == "no-cache"
    part = anonymous.get(_path(item), headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == stored[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(stored)}"
    tail = anonymous.get(_path(item), headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == stored[-10:]
    assert anonymous.get(_path(item), headers={"Range": "bytes=0-1,5-9"}).data == stored
    beyond = anonymous.get(_path(item), headers={"Range": f"bytes={len(stored) + 5}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(stored)}"
    head = anonymous.head(_path(item))
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(stored))
    etag = full.headers["ETag"]
    assert anonymous.get(_path(item), headers={"If-None-Match": etag}).status_code == 304
    stale = anonymous.get(_path(item), headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == stored
    fresh = anonymous.get(_path(item), headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.data == stored[:10]
    assert anonymous.get(_path(item)[:-1] + "x").status_code == 404


def test_deleting_removes_the_object(app, editor, item, s3, s3_prefix):
    page = editor.get(f"/media/{item.id}/delete")
    resp = editor.post(f"/media/{item.id}/delete", data={"csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302
    assert bucket_keys(s3, s3_prefix) == []
    assert app.test_client().get(_path(item)).status_code == 404


def test_an_object_gone_from_the_bucket_is_404(app, item, s3, s3_prefix):
    s3.delete_object(Bucket=BUCKET, Key=s3_prefix + item.storage_key)
    assert app.test_client().get(_path(item)).status_code == 404


@pytest.mark.settings(S3_PUBLIC_URL_MODE="presigned")
def test_presigned_mode_redirects_to_a_short_lived_url(app, item, s3, s3_prefix, s3_endpoint):
    resp = app.test_client().get(_path(item))
    assert resp.status_code == 302 and resp.headers["Cache-Control"] == "no-store"
    location = resp.headers["Location"]
    assert location.startswith(f"{s3_endpoint}/{BUCKET}/{s3_prefix}{item.storage_key}?")
    assert "X-Amz-Expires=900" in location and SECRET_ACCESS_KEY not in location
    got = requests.get(location, headers={"Range": "bytes=0-99"}, timeout=10)
    assert got.status_code == 206
    assert got.content == _object(s3, s3_prefix, item.storage_key)[:100]
    assert got.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("mode", ["proxy", "presigned"])
def test_the_public_url_check_reaches_the_file_in_either_mode(app, item, live_server, mode):
    settings = app.config["SETTINGS"]
    settings.S3_PUBLIC_URL_MODE = mode
    settings.PUBLIC_BASE_URL = live_server.url
    assert check_public_url(settings, item) is None
    item.public_token = "x" * 43  # a URL that answers 404
    assert check_public_url(settings, item) == "public_url_status"


def test_lifecycle_purges_unused_items_and_orphans_in_the_bucket(
    app, item, session, s3, s3_prefix, media_dir
):
    item_id, key = item.id, item.storage_key
    s3.put_object(Bucket=BUCKET, Key=s3_prefix + ORPHAN, Body=b"crash leftover")
    s3.put_object(Bucket=BUCKET, Key=s3_prefix + "notes/readme.txt", Body=b"not ours")
    settings = app.config["SETTINGS"]
    with app.app_context():
        from app.extensions import db

        early = enforce_lifecycle(db.session, settings, utcnow())
        db.session.commit()
    assert early == {"purged": [], "published_removed": [], "orphans": []}
    assert bucket_keys(s3, s3_prefix) == sorted([ORPHAN, key, "notes/readme.txt"])

    later = utcnow() + timedelta(seconds=settings.MEDIA_UNUSED_TTL_SECONDS + 60)
    with app.app_context():
        from app.extensions import db

        done = enforce_lifecycle(db.session, settings, later)
        db.session.commit()
    assert done["purged"] == [item_id] and done["orphans"] == [ORPHAN]
    session.expire_all()
    assert session.get(MediaItem, item_id) is None
    assert bucket_keys(s3, s3_prefix) == ["notes/readme.txt"]


def test_fixing_an_image_reads_and_writes_the_bucket(app, editor, session, s3, s3_prefix):
    resp = upload(editor, image_bytes(size=(1200, 400)), name="wide.png")
    wide = session.get(MediaItem, resp.json["id"])
    assert wide.validation["fixes"] == ["crop", "pad"]
    settings = app.config["SETTINGS"]
    new = fix_media(session, settings, wide, "crop", editor.user.id)
    session.commit()
    assert (new.width, new.height) == (764, 400)
    assert sorted(bucket_keys(s3, s3_prefix)) == sorted([wide.storage_key, new.storage_key])
    assert len(_object(s3, s3_prefix, new.storage_key)) == new.size_bytes


def test_a_video_is_transcoded_from_and_to_the_bucket(
    app, editor, session, s3, s3_prefix, media_dir, tmp_path, monkeypatch
):
    monkeypatch.delitem(scheduler_jobs._APP, "app", raising=False)  # an app other tests bound
    data = video_bytes(tmp_path, fps=15, seconds=0.5, size=(160, 120), audio=False)
    resp = upload(editor, data, name="slow.mp4")
    item = session.get(MediaItem, resp.json["id"])
    assert item.state == "processing" and bucket_keys(s3, s3_prefix) == [item.source_key]
    with app.app_context():
        media_jobs.transcode_media()
    session.refresh(item)
    assert (item.state, item.source_key) == ("ready", None)
    assert bucket_keys(s3, s3_prefix) == [item.storage_key]
    head = s3.head_object(Bucket=BUCKET, Key=s3_prefix + item.storage_key)
    assert head["ContentType"] == "video/mp4" and head["ContentLength"] == item.size_bytes
    assert files_on_disk(media_dir) == []  # the local copies were cleaned up
    served = app.test_client().get(_path(item), headers={"Range": "bytes=4-7"})
    assert served.status_code == 206 and served.data == b"ftyp"


def test_credentials_never_reach_logs_or_pages(
    app, editor, session, s3_endpoint, caplog, capsys, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    resp = upload(editor, image_bytes(size=(600, 600)))
    item = session.get(MediaItem, resp.json["id"])
    pages = [editor.get("/media/").text, editor.get(f"/media/{item.id}").text]
    served = app.test_client().get(_path(item), headers={"Range": "bytes=0-9"})
    assert served.status_code == 206
    pages.append(served.data.decode("latin-1"))
    # The bucket refuses: the upload fails cleanly, naming no credential.
    monkeypatch.setattr(app.config["SETTINGS"], "S3_BUCKET", "no-such-bucket")
    refused = upload(editor, image_bytes(size=(600, 600)))
    assert refused.status_code == 422 and "could not save the file" in refused.json["message"]
    pages.append(refused.get_data(as_text=True))
    logs = caplog.text + capsys.readouterr().out
    assert "S3 request failed" in logs and "NoSuchBucket" in logs
    for secret in (SECRET_ACCESS_KEY, ACCESS_KEY_ID):
        assert secret not in logs
        assert not any(secret in page for page in pages)


def test_a_data_export_includes_the_files_in_the_bucket(app, editor, item, session, s3, s3_prefix):
    import zipfile

    from app.models import ExportJob
    from app.services.export import build_export

    job = ExportJob(user_id=editor.user.id)
    session.add(job)
    session.flush()
    path = build_export(session, app.config["SETTINGS"], job)
    session.commit()
    name = f"workspaces/{item.workspace_id}/media/{item.id}.jpg"
    with zipfile.ZipFile(path) as zf:
        assert zf.read(name) == _object(s3, s3_prefix, item.storage_key)
