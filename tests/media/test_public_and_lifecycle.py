"""The public file URL Instagram fetches, and the file lifecycle job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.models import InstagramAccount, MediaItem, Post, PostMedia, utcnow
from app.services.media import public_url
from app.services.media_lifecycle import enforce_lifecycle
from scheduler import media_jobs
from tests.conftest import csrf_from
from tests.media.conftest import files_on_disk, image_bytes, upload


def _path(item: MediaItem) -> str:
    return f"/m/{item.public_token}/{Path(item.storage_key).name}"


@pytest.fixture
def item(editor, session):
    resp = upload(editor, image_bytes(size=(1000, 1000)))
    return session.get(MediaItem, resp.json["id"])


def test_served_without_sign_in_with_type_and_ranges(app, item, media_dir):
    anonymous = app.test_client()
    full = anonymous.get(_path(item))
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["Accept-Ranges"] == "bytes"
    assert full.data == (media_dir / item.storage_key).read_bytes()
    part = anonymous.get(_path(item), headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == full.data[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(full.data)}"
    tail = anonymous.get(_path(item), headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == full.data[-10:]
    assert anonymous.head(_path(item)).headers["Content-Length"] == str(len(full.data))
    assert public_url(app.config["SETTINGS"], item) == f"http://127.0.0.1:8000{_path(item)}"


def test_unknown_tokens_wrong_names_and_listings_are_404(app, item):
    anonymous = app.test_client()
    name = Path(item.storage_key).name
    for path in (
        f"/m/{'x' * 43}/{name}",
        f"/m/{item.public_token}/other.jpg",
        f"/m/{item.public_token}/",
        f"/m/{item.public_token}",
        "/m/",
        f"/m/{item.public_token}/..%2F..%2Fkezek.db",
    ):
        assert anonymous.get(path).status_code == 404, path


def test_404_once_the_item_is_deleted(app, editor, item, media_dir):
    page = editor.get(f"/media/{item.id}/delete")
    assert b"cannot be undone" in page.data
    resp = editor.post(f"/media/{item.id}/delete", data={"csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302
    assert app.test_client().get(_path(item)).status_code == 404
    assert files_on_disk(media_dir) == []


def _post_using(session, media_id: int, workspace_id: int, status: str) -> Post:
    account = session.query(InstagramAccount).filter_by(workspace_id=workspace_id).first()
    if account is None:
        account = InstagramAccount(
            workspace_id=workspace_id, ig_user_id=f"1784{workspace_id:06d}", username="cafe"
        )
        session.add(account)
        session.flush()
    post = Post(
        workspace_id=workspace_id,
        account_id=account.id,
        composition_id="c" * 32,
        type="image",
        status=status,
    )
    session.add(post)
    session.flush()
    session.add(PostMedia(post_id=post.id, media_id=media_id, position=0))
    session.commit()
    return post


def test_a_file_a_post_uses_cannot_be_deleted(editor, session, item, media_dir):
    _post_using(session, item.id, item.workspace_id, "scheduled")
    page = editor.get(f"/media/{item.id}/delete")
    assert b"still uses this file" in page.data
    editor.post(f"/media/{item.id}/delete", data={"csrf_token": csrf_from(page.text)})
    assert session.get(MediaItem, item.id) is not None
    assert files_on_disk(media_dir) == [item.storage_key]


def test_lifecycle_purges_unused_uploads_after_two_hours_only(app, editor, session, media_dir):
    unused = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    used = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    _post_using(session, used.id, used.workspace_id, "scheduled")
    settings = app.config["SETTINGS"]
    assert enforce_lifecycle(session, settings, utcnow() + timedelta(minutes=119))["purged"] == []
    session.commit()
    result = enforce_lifecycle(session, settings, utcnow() + timedelta(minutes=121))
    session.commit()
    assert result["purged"] == [unused.id]
    assert session.get(MediaItem, unused.id) is None
    assert files_on_disk(media_dir) == [used.storage_key]
    assert app.test_client().get(_path(unused)).status_code == 404
    assert app.test_client().get(_path(used)).status_code == 200


def test_by_default_files_of_published_posts_stay_until_the_post_is_deleted(
    app, editor, session, media_dir
):
    item = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    post = _post_using(session, item.id, item.workspace_id, "published")
    later = utcnow() + timedelta(hours=3)
    enforce_lifecycle(session, app.config["SETTINGS"], later)
    session.commit()
    assert files_on_disk(media_dir) == [item.storage_key]
    session.delete(post)
    session.commit()
    assert enforce_lifecycle(session, app.config["SETTINGS"], later)["purged"] == [item.id]
    session.commit()
    assert files_on_disk(media_dir) == []


@pytest.mark.settings(MEDIA_KEEP_PUBLISHED=False)
def test_keep_published_false_removes_files_once_every_post_is_published(
    app, editor, session, media_dir, caplog
):
    item = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    done = _post_using(session, item.id, item.workspace_id, "published")
    waiting = _post_using(session, item.id, item.workspace_id, "scheduled")
    with app.app_context():
        media_jobs.media_lifecycle()
    assert files_on_disk(media_dir) == [item.storage_key]
    waiting.status = "done"
    session.commit()
    with app.app_context(), caplog.at_level("INFO", logger="kezek.media"):
        media_jobs.media_lifecycle()
    session.refresh(item)
    assert item.removed_at is not None and files_on_disk(media_dir) == []
    assert app.test_client().get(_path(item)).status_code == 404
    assert any(r.msg == "removed files of published media" for r in caplog.records)
    assert done.id and session.get(MediaItem, item.id) is not None  # the post still lists it


def test_orphan_files_are_swept_after_the_ttl(app, editor, session, media_dir):
    item = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    orphan = media_dir / "ab" / ("ab" + "0" * 30 + ".jpg")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    part = media_dir / "tmp" / "dead.part"
    part.write_bytes(b"half an upload")
    settings = app.config["SETTINGS"]
    _post_using(session, item.id, item.workspace_id, "scheduled")
    assert enforce_lifecycle(session, settings)["orphans"] == []
    swept = enforce_lifecycle(session, settings, utcnow() + timedelta(hours=3))["orphans"]
    assert sorted(swept) == sorted([orphan.relative_to(media_dir).as_posix(), "tmp/dead.part"])
    assert files_on_disk(media_dir) == [item.storage_key]
