"""/api/v1/media: upload (multipart), list, get, delete, fix; auth, roles, workspaces."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.models import MediaItem, Role
from app.services.workspaces import add_member, create_workspace
from tests.api.conftest import Api
from tests.media.conftest import files_on_disk, image_bytes, video_bytes


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def token_for(session):
    from app.services.api_tokens import create_token

    def make(user, read_only=False):
        _row, raw = create_token(session, user, "t", read_only=read_only)
        session.commit()
        return raw

    return make


@pytest.fixture
def api(client, alice, token_for):
    return Api(client, token_for(alice))


def _send(api, data: bytes, name: str = "photo.png", **kw):
    return api.post(
        "/media", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kw
    )


def test_upload_returns_201_with_kind_validation_and_state(api, session, media_dir):
    resp = _send(api, image_bytes("PNG", size=(1000, 1300)))
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["kind"] == "image" and body["state"] == "ready" and body["progress"] == 100
    assert body["content_type"] == "image/jpeg" and (body["width"], body["height"]) == (1000, 1300)
    assert body["validation"]["format"] == "PNG"
    assert body["validation"]["fixes"] == ["crop", "pad"]
    assert body["validation"]["warnings"][0]["code"] == "aspect_outside_feed"
    assert "4:5" in body["validation"]["warnings"][0]["message"]
    assert body["url"].startswith("http://127.0.0.1:8000/m/")
    assert files_on_disk(media_dir) == [session.get(MediaItem, int(body["id"])).storage_key]


def test_a_video_needing_transcoding_answers_processing(api, tmp_path):
    resp = _send(api, video_bytes(tmp_path, codec="mpeg4", fps=15), name="v.mp4")
    assert resp.status_code == 201
    body = resp.json
    assert (body["kind"], body["state"], body["url"]) == ("video", "processing", None)
    codes = {r["code"] for r in body["validation"]["transcode_reasons"]}
    assert codes == {"video_codec", "frame_rate"}
    assert body["validation"]["probe"]["video_codec"] == "mpeg4"


def test_bodies_over_the_apis_one_mib_json_limit_are_accepted_for_uploads(api):
    noisy = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(noisy, "PNG")
    assert len(noisy.getvalue()) > 1024 * 1024
    resp = _send(api, noisy.getvalue())
    assert resp.status_code == 201, resp.json
    # Other API calls keep the 1 MiB limit.
    assert api.post("/media/1/fix", json={"mode": "x" * 1_100_000}).status_code == 413


def test_refusals_are_422_with_a_code_and_message_and_no_file(api, media_dir, session):
    resp = _send(api, b"GIF89a" + b"\x00" * 100, name="x.jpg")
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "media_unsupported"
    assert "JPEG, PNG, WebP or HEIC" in resp.json["error"]["message"]
    assert files_on_disk(media_dir) == []
    assert session.scalar(select(func.count()).select_from(MediaItem)) == 0


def test_missing_file_field_json_body_and_no_token(api, client):
    missing = api.post("/media", data={"other": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    as_json = api.post("/media", json={"file": "abc"})
    assert as_json.status_code == 415
    anonymous = Api(client, None)
    assert _send(anonymous, image_bytes()).status_code == 401
    assert anonymous.get("/media").status_code == 401


@pytest.mark.settings(MEDIA_MAX_IMAGE_BYTES=10_000, MEDIA_MAX_VIDEO_BYTES=10_000)
def test_over_the_limit_is_413(api, media_dir):
    resp = _send(api, image_bytes(size=(200, 200)) + b"\x00" * 2_000_000)
    assert resp.status_code == 413
    assert files_on_disk(media_dir) == []


def test_read_only_tokens_and_viewers_cannot_write(client, alice, token_for, session, make_user):
    read_only = Api(client, token_for(alice, read_only=True))
    resp = _send(read_only, image_bytes())
    assert resp.status_code == 403 and resp.json["error"]["code"] == "read_only_token"
    assert read_only.get("/media").status_code == 200
    carol = make_user("carol")
    ws = create_workspace(session, carol, "Shared", "UTC")
    add_member(session, ws, alice, Role.VIEWER)
    session.commit()
    viewer = Api(client, token_for(alice), workspace_id=ws.id)
    assert _send(viewer, image_bytes()).status_code == 403


def test_list_get_delete_and_paging(api, session, media_dir):
    ids = [_send(api, image_bytes()).json["id"] for _ in range(3)]
    page1 = api.get("/media?limit=2").json
    assert [i["id"] for i in page1["items"]] == ids[::-1][:2] and page1["next"]
    page2 = api.get(f"/media?limit=2&next={page1['next']}").json
    assert [i["id"] for i in page2["items"]] == [ids[0]] and page2["next"] is None
    assert api.get(f"/media/{ids[0]}").json["id"] == ids[0]
    assert api.delete(f"/media/{ids[0]}").status_code == 204
    assert api.get(f"/media/{ids[0]}").status_code == 404
    assert len(files_on_disk(media_dir)) == 2
    assert api.get("/media?next=abc").status_code == 422


def test_other_workspaces_items_are_404(api, client, make_user, token_for):
    bob = make_user("bob")
    bobs = Api(client, token_for(bob))
    item_id = _send(bobs, image_bytes()).json["id"]
    assert api.get(f"/media/{item_id}").status_code == 404
    assert api.delete(f"/media/{item_id}").status_code == 404
    assert api.post(f"/media/{item_id}/fix", json={"mode": "crop"}).status_code == 404
    assert api.post(f"/media/{item_id}/fix").status_code == 404  # no body: crop, still 404
    assert bobs.get(f"/media/{item_id}").status_code == 200


def test_fix_makes_a_new_item_and_refuses_when_not_needed(api):
    tall = _send(api, image_bytes(size=(800, 1600))).json["id"]
    resp = api.post(f"/media/{tall}/fix", json={"mode": "pad"})
    assert resp.status_code == 201
    assert (resp.json["width"], resp.json["height"]) == (1280, 1600)
    assert resp.json["validation"]["actions"][0]["code"] == "padded"
    again = api.post(f"/media/{resp.json['id']}/fix", json={"mode": "crop"})
    assert again.status_code == 409 and again.json["error"]["code"] == "media_fix_not_needed"
    bad = api.post(f"/media/{tall}/fix", json={"mode": "stretch"})
    assert bad.status_code == 422


def test_the_document_lists_the_media_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {"post", "get"} <= set(doc["paths"]["/api/v1/media"])
    assert {"get", "delete"} <= set(doc["paths"]["/api/v1/media/{media_id}"])
    body = doc["paths"]["/api/v1/media"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
