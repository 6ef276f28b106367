"""Videos: probed with PyAV; those that break the Reels spec are transcoded in the background."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.models import MediaItem, utcnow
from app.services.media_lifecycle import claim_processing
from app.services.media_video import probe
from scheduler import media_jobs
from tests.media.conftest import files_on_disk, upload, video_bytes


def test_a_video_within_the_spec_is_ready_at_once(editor, session, media_dir, tmp_path):
    resp = upload(editor, video_bytes(tmp_path), name="clip.MOV")
    assert resp.status_code == 201, resp.json
    item = session.get(MediaItem, resp.json["id"])
    assert (item.kind, item.state, item.content_type) == ("video", "ready", "video/mp4")
    assert (item.width, item.height, item.duration_seconds) == (320, 240, 1.0)
    p = item.validation["probe"]
    assert (p["video_codec"], p["audio_codec"], p["fps"], p["moov_first"]) == (
        "h264",
        "aac",
        25.0,
        True,
    )
    assert item.validation["transcode"] == []
    assert [w["code"] for w in item.validation["warnings"]] == ["video_too_short"]
    assert files_on_disk(media_dir) == [item.storage_key]
    page = editor.get(f"/media/{item.id}")
    assert b"at least 3 seconds" in page.data and b"Ready to publish" in page.data


def test_a_video_breaking_the_spec_is_transcoded_by_the_job_with_progress(
    app, editor, session, media_dir, tmp_path
):
    data = video_bytes(tmp_path, codec="mpeg4", fps=15, faststart=False)
    resp = upload(editor, data, name="old-camera.mp4")
    assert resp.status_code == 201
    item = session.get(MediaItem, resp.json["id"])
    assert item.state == "processing" and item.progress == 0
    assert set(item.validation["transcode"]) == {"video_codec", "frame_rate", "moov_at_end"}
    assert files_on_disk(media_dir) == [item.source_key]

    page = editor.get(f"/media/{item.id}")
    assert b'hx-trigger="every 2s"' in page.data and b'id="transcode-progress"' in page.data
    assert b"video codec is not H.264" in page.data
    assert editor.get(f"/m/{item.public_token}/{Path(item.storage_key).name}").status_code == 404

    with app.app_context():
        media_jobs.transcode_media()
    session.refresh(item)
    assert (item.state, item.progress, item.source_key, item.lease_owner) == (
        "ready",
        100,
        None,
        None,
    )
    assert files_on_disk(media_dir) == [item.storage_key]
    out = probe(media_dir / item.storage_key)
    assert (out["video_codec"], out["pixel_format"], out["moov_first"]) == ("h264", "yuv420p", True)
    assert 23 <= out["fps"] <= 60 and out["edit_list_entries"] == 0
    assert item.validation["actions"] == ["transcoded"]
    status = editor.get(f"/media/{item.id}/status")
    assert b"Ready to publish" in status.data and b"hx-trigger" not in status.data
    served = editor.get(f"/m/{item.public_token}/{Path(item.storage_key).name}")
    assert served.status_code == 200 and served.mimetype == "video/mp4"


def test_a_claimed_item_is_not_claimed_again_until_its_lease_expires(editor, session, tmp_path):
    upload(editor, video_bytes(tmp_path, codec="mpeg4", fps=15), name="a.mp4")
    first = claim_processing(session, "worker-a")
    session.commit()
    assert first is not None and first.attempts == 1
    assert claim_processing(session, "worker-b") is None
    later = claim_processing(session, "worker-b", now=utcnow() + timedelta(minutes=11))
    assert later.id == first.id and later.lease_owner == "worker-b" and later.attempts == 2


def test_deleting_a_processing_video_removes_its_upload(editor, session, media_dir, tmp_path):
    from tests.conftest import csrf_from

    resp = upload(editor, video_bytes(tmp_path, codec="mpeg4", fps=15), name="a.mp4")
    page = editor.get(f"/media/{resp.json['id']}/delete")
    editor.post(f"/media/{resp.json['id']}/delete", data={"csrf_token": csrf_from(page.text)})
    assert session.get(MediaItem, resp.json["id"]) is None
    assert files_on_disk(media_dir) == []


@pytest.mark.parametrize("attempts", [3])
def test_a_video_that_cannot_be_transcoded_fails_after_the_last_attempt(
    app, editor, session, media_dir, tmp_path, attempts
):
    resp = upload(editor, video_bytes(tmp_path, codec="mpeg4", fps=15), name="a.mp4")
    item = session.get(MediaItem, resp.json["id"])
    # The upload is damaged after it was accepted (a disk error, say).
    (media_dir / item.source_key).write_bytes(b"\x00" * 100)
    item.attempts = attempts - 1
    session.commit()
    with app.app_context():
        media_jobs.transcode_media()
    session.refresh(item)
    assert (item.state, item.error_key, item.source_key) == ("failed", "transcode_failed", None)
    assert files_on_disk(media_dir) == []
    assert b"Converting the video failed" in editor.get(f"/media/{item.id}").data
