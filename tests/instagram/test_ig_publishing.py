"""Publishing for real: the sandbox fetches media from a loopback file server."""

from __future__ import annotations

import pytest

from app.instagram import ErrorKind, InstagramError


def _error(call, *args, **kwargs) -> InstagramError:
    with pytest.raises(InstagramError) as info:
        call(*args, **kwargs)
    return info.value


def test_publish_image_appears_first_in_media(client, token, media_server):
    container = client.create_image_container(
        token, image_url=f"{media_server}/portrait.jpg", caption="Жаңа пост #kezek"
    )
    assert client.get_container_status(token, container).is_finished
    media_id = client.publish_container(token, creation_id=container)
    newest = client.list_media(token, limit=1).data[0]
    assert newest["id"] == media_id
    assert newest["caption"] == "Жаңа пост #kezek"
    assert newest["media_type"] == "IMAGE"
    assert client.get_container_status(token, container).status_code == "PUBLISHED"
    assert client.get_publishing_limit(token).quota_usage == 1


def test_unreachable_image_url_is_9004(client, token, media_server):
    err = _error(client.create_image_container, token, image_url=f"{media_server}/missing.jpg")
    assert (err.code, err.error_subcode) == (9004, 2207052)
    assert err.message_key == "media_url_unreachable"
    assert err.kind is ErrorKind.BAD_INPUT


def test_non_jpeg_image_refused(client, token, media_server):
    err = _error(client.create_image_container, token, image_url=f"{media_server}/photo.png")
    assert (err.code, err.error_subcode) == (36001, 2207005)
    assert err.message_key == "image_format"


@pytest.mark.parametrize(
    "name, ok", [("tall.jpg", False), ("wide.jpg", True), ("square.jpg", True)]
)
def test_feed_aspect_ratio_range(client, token, media_server, name, ok):
    url = f"{media_server}/{name}"
    if ok:
        assert client.create_image_container(token, image_url=url)
    else:
        err = _error(client.create_image_container, token, image_url=url)
        assert (err.code, err.error_subcode, err.message_key) == (36003, 2207009, "aspect_ratio")


def test_caption_too_long_refused(client, token, media_server):
    err = _error(
        client.create_image_container,
        token,
        image_url=f"{media_server}/square.jpg",
        caption="x" * 2201,
    )
    assert err.message_key == "caption_too_long"


def test_reel_in_progress_then_finished(client, token, media_server, sandbox_server):
    container = client.create_reel_container(
        token, video_url=f"{media_server}/reel.mp4", caption="Reel"
    )
    assert client.get_container_status(token, container).status_code == "IN_PROGRESS"
    err = _error(client.publish_container, token, creation_id=container)
    assert (err.code, err.error_subcode) == (9007, 2207027)
    assert err.kind is ErrorKind.PUBLISH_NOT_READY
    sandbox_server.advance(31)
    assert client.get_container_status(token, container).is_finished
    media_id = client.publish_container(token, creation_id=container)
    media = client.get_media(token, media_id)
    assert (media["media_type"], media["media_product_type"]) == ("VIDEO", "REELS")


def test_video_with_wrong_content_type_ends_in_error(client, token, media_server):
    container = client.create_reel_container(token, video_url=f"{media_server}/notes.txt")
    assert client.get_container_status(token, container).status_code == "ERROR"
    err = _error(client.publish_container, token, creation_id=container)
    assert err.message_key == "video_format"


def test_story_image_not_in_media_list(client, token, media_server):
    container = client.create_story_container(token, image_url=f"{media_server}/story.jpg")
    media_id = client.publish_container(token, creation_id=container)
    assert media_id not in [m["id"] for m in client.iter_media(token)]
    stories = client.list_stories(token).data
    assert stories[0]["id"] == media_id
    assert stories[0]["media_product_type"] == "STORY"


def test_carousel_publishes_as_one_post(client, token, media_server):
    children = [
        client.create_carousel_item(token, image_url=f"{media_server}/square.jpg") for _ in range(3)
    ]
    carousel = client.create_carousel_container(token, children=children, caption="3 фото")
    media_id = client.publish_container(token, creation_id=carousel)
    media = client.get_media(token, media_id, fields="id,media_type,children{id}")
    assert media["media_type"] == "CAROUSEL_ALBUM"
    assert len(media["children"]["data"]) == 3
    assert client.get_publishing_limit(token).quota_usage == 1


def test_carousel_needs_two_to_ten_children(client, token, media_server):
    one = client.create_carousel_item(token, image_url=f"{media_server}/square.jpg")
    err = _error(client.create_carousel_container, token, children=[one])
    assert (err.code, err.error_subcode, err.message_key) == (100, 2207028, "carousel_count")


def test_carousel_children_must_be_finished(client, token, media_server):
    video = client.create_carousel_item(token, video_url=f"{media_server}/reel.mp4")
    image = client.create_carousel_item(token, image_url=f"{media_server}/square.jpg")
    err = _error(client.create_carousel_container, token, children=[video, image])
    assert err.kind is ErrorKind.PUBLISH_NOT_READY


def test_quota_refuses_past_limit_and_recovers_after_window(
    sandbox_factory, client_for, media_server
):
    sandbox = sandbox_factory(quota_total=2)
    client = client_for(sandbox)
    token = sandbox.token()
    for _ in range(2):
        c = client.create_image_container(token, image_url=f"{media_server}/square.jpg")
        client.publish_container(token, creation_id=c)
    limit = client.get_publishing_limit(token)
    assert (limit.quota_usage, limit.quota_total, limit.quota_duration) == (2, 2, 86400)
    c = client.create_image_container(token, image_url=f"{media_server}/square.jpg")
    err = _error(client.publish_container, token, creation_id=c)
    assert (err.code, err.error_subcode) == (9, 2207042)
    assert err.kind is ErrorKind.QUOTA_EXCEEDED and err.message_key == "quota_exceeded"
    sandbox.advance(86400 - 3600)  # container still valid, window rolled past
    sandbox.advance(3601)
    assert client.get_publishing_limit(token).quota_usage == 0


def test_container_expires_after_24_hours(client, token, media_server, sandbox_server):
    container = client.create_image_container(token, image_url=f"{media_server}/square.jpg")
    sandbox_server.advance(86401)
    assert client.get_container_status(token, container).status_code == "EXPIRED"
    err = _error(client.publish_container, token, creation_id=container)
    assert err.error_subcode == 2207020
    assert err.kind is ErrorKind.RECREATE_CONTAINER


def test_publish_unknown_container(client, token):
    err = _error(client.publish_container, token, creation_id="123")
    assert err.message_key == "media_not_found"
