"""Instagram (the sandbox, over real HTTP) fetches media from their public URLs."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.instagram import InstagramError
from app.models import InstagramAccount, MediaItem
from app.services.instagram import make_client, read_token
from app.services.media import check_public_url, delete_media, public_url
from tests.media.conftest import image_bytes, upload, video_bytes
from tests.test_accounts import connect


@pytest.fixture
def connected(ig_stack, editor, session):
    assert connect(editor).status_code == 302
    return session.scalar(select(InstagramAccount))


def test_sandbox_creates_containers_from_media_public_urls(
    app, ig_stack, editor, session, connected, tmp_path
):
    settings = app.config["SETTINGS"]
    image = session.get(MediaItem, upload(editor, image_bytes("PNG")).json["id"])
    video = session.get(MediaItem, upload(editor, video_bytes(tmp_path), name="v.mp4").json["id"])
    assert public_url(settings, image).startswith(f"{ig_stack.url}/m/")
    assert check_public_url(settings, image) is None
    assert check_public_url(settings, video) is None
    client = make_client(settings)
    token = read_token(settings, connected)
    container = client.create_image_container(token, image_url=public_url(settings, image))
    assert container
    story = client.create_story_container(token, video_url=public_url(settings, video))
    assert client.get_container_status(token, story).status_code != "ERROR"


def test_the_sandbox_cannot_fetch_a_deleted_item(app, ig_stack, editor, session, connected):
    settings = app.config["SETTINGS"]
    image = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    url = public_url(settings, image)
    delete_media(session, image, settings)
    session.commit()
    with pytest.raises(InstagramError) as err:
        make_client(settings).create_image_container(read_token(settings, connected), image_url=url)
    assert err.value.code == 9004


def test_check_public_url_explains_unreachable_and_production_problems(app, editor, session):
    settings = app.config["SETTINGS"]  # PUBLIC_BASE_URL is 127.0.0.1:8000: nothing answers
    item = session.get(MediaItem, upload(editor, image_bytes()).json["id"])
    quick = dataclasses.replace(settings, PUBLIC_BASE_URL="http://127.0.0.1:9")
    assert check_public_url(quick, item) == "public_url_unreachable"
    for base, key in (
        ("http://media.example.com", "public_url_not_https"),
        ("https://127.0.0.1", "public_url_private"),
        ("https://10.1.2.3:8443", "public_url_private"),
        ("https://localhost", "public_url_private"),
        ("https://[::1]", "public_url_private"),
    ):
        prod = dataclasses.replace(settings, KEZEK_ENV="production", PUBLIC_BASE_URL=base)
        assert check_public_url(prod, item) == key, base
    item.state = "processing"
    assert check_public_url(settings, item) == "media_not_ready"
