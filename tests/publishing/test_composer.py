"""The composer through its real form (CSRF included) against the sandbox over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import Post, PostMedia, Role
from tests.publishing.composer_support import (
    compose,
    member_client,
    owner_client,
    posts_of,
    set_timezone,
)
from tests.publishing.conftest import DEMO_2


def test_image_post_is_scheduled_in_workspace_timezone_and_stored_in_utc(env):
    set_timezone(env, "Asia/Almaty")
    account, image = env.account(), env.media("image")
    client = owner_client(env)
    resp = compose(
        client,
        accounts=[account],
        media=[image],
        caption="Coffee time #almaty @friend",
        first_comment="#coffee #kz",
        collaborators="@dauren.photo, tomiris.bakery",
        **{f"alt_{image.id}": "A cup of coffee on a table"},
        day="2030-01-15",
        at="10:00",
    )
    assert resp.status_code == 302, resp.text
    [post] = posts_of(env)
    assert resp.location.endswith(f"/publishing/posts/{post.id}")
    # 10:00 in Almaty (UTC+5) is 05:00 UTC.
    assert post.scheduled_at == datetime(2030, 1, 15, 5, 0, tzinfo=UTC)
    assert post.status == "scheduled" and post.type == "image"
    assert post.caption == "Coffee time #almaty @friend"
    assert post.first_comment == "#coffee #kz"
    assert post.collaborators == ["dauren.photo", "tomiris.bakery"]
    assert post.media[0].alt_text == "A cup of coffee on a table"
    page = client.get(resp.location)
    assert "The post was scheduled." in page.text
    assert "Asia/Almaty" in page.text


def test_carousel_to_two_accounts_keeps_the_chosen_media_order(env):
    a1, a2 = env.account(), env.account(DEMO_2)
    m1, m2, m3 = env.media(), env.media(), env.media("video")
    client = owner_client(env)
    resp = compose(
        client,
        accounts=[a1, a2],
        media=[m3, m1, m2],
        type="carousel",
        caption="Three in one",
        day="2030-02-01",
        at="09:30",
    )
    assert resp.status_code == 302 and resp.location.endswith("/publishing/")
    posts = posts_of(env)
    assert {p.account_id for p in posts} == {a1.id, a2.id}
    assert len({p.composition_id for p in posts}) == 1
    for post in posts:
        assert [pm.media_id for pm in post.media] == [m3.id, m1.id, m2.id]
    assert "2 posts were scheduled." in client.get(resp.location).text


def test_reel_with_cover_image_and_reel_with_thumbnail_offset(env):
    account = env.account()
    video, cover = env.media("video"), env.media("image")
    client = owner_client(env)
    resp = compose(
        client,
        accounts=[account],
        media=[video],
        type="reel",
        caption="Behind the bar",
        cover_media_id=str(cover.id),
        share_to_feed="",
        day="2030-03-01",
        at="12:00",
    )
    assert resp.status_code == 302, resp.text
    resp = compose(
        client,
        accounts=[account],
        media=[video],
        type="reel",
        thumb_offset="2,5",
        day="2030-03-02",
        at="12:00",
        confirm_duplicates="y",
    )
    assert resp.status_code == 302, resp.text
    first, second = posts_of(env)
    assert first.type == "reel" and first.cover_media_id == cover.id
    assert first.share_to_feed is False
    assert second.cover_media_id is None and second.thumb_offset_ms == 2500
    assert second.share_to_feed is True


def test_story_published_now_and_draft_saved(env):
    account, video, image = env.account(), env.media("video"), env.media("image")
    client = owner_client(env)
    resp = compose(client, accounts=[account], media=[video], type="story", when="now")
    assert resp.status_code == 302, resp.text
    assert "Kezek is publishing the post now." in client.get(resp.location).text
    resp = compose(client, accounts=[account], media=[image], when="draft", caption="Later")
    assert resp.status_code == 302
    story, draft = posts_of(env)
    assert story.type == "story" and story.scheduled_at is None and story.status == "scheduled"
    assert draft.status == "draft" and draft.caption == "Later"


def test_viewers_get_403_and_a_post_without_csrf_is_refused(env, make_user):
    account, image = env.account(), env.media()
    viewer, _ = member_client(env, make_user, Role.VIEWER)
    assert viewer.get("/publishing/compose").status_code == 403
    resp = viewer.post(
        "/publishing/compose",
        data={"type": "image", "account_ids": [account.id], "media_ids": [image.id]},
    )
    assert resp.status_code in (400, 403)
    assert viewer.get("/publishing/").status_code == 200  # viewers read the queue
    owner = owner_client(env)
    resp = owner.post(
        "/publishing/compose",
        data={"type": "image", "when": "now", "account_ids": [account.id], "media_ids": [image.id]},
    )
    assert resp.status_code == 400
    assert posts_of(env) == []


@pytest.mark.parametrize(
    ("caption", "message"),
    [
        ("x" * 2201, "The caption is longer than 2,200 characters."),
        (" ".join(f"#tag{i}" for i in range(31)), "The caption has more than 30 hashtags."),
        (" ".join(f"@user{i}" for i in range(21)), "The caption mentions more than 20 accounts."),
    ],
)
def test_caption_limits_are_enforced_by_the_server(env, caption, message):
    account, image = env.account(), env.media()
    client = owner_client(env)
    resp = compose(client, accounts=[account], media=[image], caption=caption, when="now")
    assert resp.status_code == 200
    assert message in resp.text
    assert posts_of(env) == []


def test_at_the_limits_the_caption_is_accepted(env):
    account, image = env.account(), env.media()
    client = owner_client(env)
    caption = " ".join(f"#t{i}" for i in range(30)) + " " + " ".join(f"@u{i}" for i in range(20))
    resp = compose(client, accounts=[account], media=[image], caption=caption, when="now")
    assert resp.status_code == 302, resp.text


def test_duplicate_media_or_caption_needs_an_explicit_confirmation(env):
    account, image = env.account(), env.media()
    client = owner_client(env)
    fields = {"caption": "Same words", "day": "2030-05-01", "at": "10:00"}
    assert compose(client, accounts=[account], media=[image], **fields).status_code == 302
    [first] = posts_of(env)
    resp = compose(client, accounts=[account], media=[image], **fields)
    assert resp.status_code == 200
    assert f"@aruzhan.coffee already has a post with the same media (post #{first.id})" in resp.text
    assert "already has a post with the same caption" in resp.text
    assert 'name="confirm_duplicates"' in resp.text
    assert len(posts_of(env)) == 1
    resp = compose(client, accounts=[account], media=[image], confirm_duplicates="y", **fields)
    assert resp.status_code == 302
    assert len(posts_of(env)) == 2
    # Drafts are not checked: nothing is scheduled by saving one.
    resp = compose(client, accounts=[account], media=[image], when="draft", **fields)
    assert resp.status_code == 302


def test_unreachable_public_url_is_explained_with_what_to_do(env):
    account, image = env.account(), env.media()
    env.settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing answers there
    client = owner_client(env)
    resp = compose(client, accounts=[account], media=[image], when="now")
    assert resp.status_code == 200
    assert 'id="compose-errors"' in resp.text
    assert "Instagram could not download the media file." in resp.text
    assert "set PUBLIC_BASE_URL to the public HTTPS address" in resp.text  # what to do
    assert posts_of(env) == []


def test_missing_schedule_and_wrong_media_count_are_reported(env):
    account, image = env.account(), env.media()
    client = owner_client(env)
    resp = compose(client, accounts=[account], media=[image], when="schedule")
    assert "Choose the date and the time." in resp.text
    resp = compose(client, accounts=[account], media=[image], type="carousel", when="now")
    assert "A carousel needs 2 to 10 images or videos." in resp.text
    resp = compose(client, accounts=[], media=[image], when="now")
    assert "Choose at least one account." in resp.text
    assert posts_of(env) == []


def test_quota_is_read_from_instagram_and_warns_near_the_limit(env):
    account = env.account()
    client = owner_client(env)
    page = client.get("/publishing/compose")
    assert f'hx-get="/publishing/quota/{account.id}"' in page.text
    resp = client.get(f"/publishing/quota/{account.id}")
    assert resp.status_code == 200
    assert "0 of 100 used in the last 24 hours, 0 more queued" in resp.text
    assert "quota-warning" not in resp.text
    env.stack.admin("POST", "config", {"quota_total": 2})
    image = env.media()
    env.create([account], "image", [image], scheduled_at=None)
    env.create([account], "image", [env.media()], scheduled_at=None)
    resp = client.get(f"/publishing/quota/{account.id}")
    assert "0 of 2 used in the last 24 hours, 2 more queued" in resp.text
    assert "quota-warning" in resp.text


def test_other_workspaces_accounts_and_posts_are_not_reachable(env, make_user):
    account, image = env.account(), env.media()
    [post] = env.create([account], "image", [image], draft=True)
    stranger = make_user("stranger")
    from tests.conftest import login

    client = env.app.test_client()
    login(client, stranger.username)
    assert client.get(f"/publishing/posts/{post.id}").status_code == 404
    assert client.get(f"/publishing/quota/{account.id}").status_code == 404
    resp = compose(client, accounts=[account], media=[image], when="now")
    assert resp.status_code == 200
    assert env.session.scalar(select(func.count(Post.id))) == 1
    assert env.session.scalar(select(func.count(PostMedia.id))) == 1
