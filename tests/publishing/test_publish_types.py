"""Every post type published end to end against the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import InstagramMedia, Notification
from app.services.accounts import sync_requested
from app.services.instagram import make_client
from app.services.publisher import fill_permalinks
from tests.publishing.conftest import DEMO, DEMO_2, later


def _published(env, post):
    post = env.fresh(post)
    assert post.status == "done", (post.status, post.error_key, post.error_message)
    assert post.ig_media_id and post.published_at
    calls = env.state()["publish_calls"]
    assert calls[post.container_id] == 1
    return post


def test_image_post_published_at_due_time_with_two_calls(env):
    account = env.account()
    image = env.media("image")
    (post,) = env.create(
        [account], "image", [image], caption="Hello #almaty", scheduled_at=later(60)
    )
    assert post.status == "scheduled"
    env.run()  # not due yet: nothing happens
    assert env.fresh(post).status == "scheduled"
    assert env.state()["counts"]["containers"] == 0
    before = len(env.state()["publish_calls"])
    env.run(now=later(61))
    post = _published(env, post)
    assert len(env.state()["publish_calls"]) == before + 1
    steps = [(row.step, row.result) for row in env.logs(post)]
    assert ("container", "ok") in steps and ("published", "ok") in steps
    assert steps[-1] == ("published", "ok")
    assert post.lease_owner is None
    # The permalink was looked up after the post was stored as published (one GET); the
    # account's media sync, requested too, has the same media with the caption.
    client = make_client(env.settings)
    permalink = post.permalink
    assert permalink and permalink.startswith("https://")
    env.session.expire_all()
    env.session.get(type(account), account.id).sync_requested_at = later(-1)
    env.session.commit()
    sync_requested(env.session, env.settings, client)
    fill_permalinks(env.session)
    env.session.commit()
    post = env.fresh(post)
    media = env.session.scalar(
        select(InstagramMedia).where(InstagramMedia.ig_media_id == post.ig_media_id)
    )
    assert media.caption == "Hello #almaty"
    assert post.permalink == permalink == media.permalink
    kinds = {n.kind for n in env.session.scalars(select(Notification))}
    assert "post_published" in kinds


def test_carousel_to_two_accounts_each_published_once(env):
    a1, a2 = env.account(DEMO), env.account(DEMO_2)
    items = [env.media("image"), env.media("image", size=(1080, 1350)), env.media("image")]
    posts = env.create([a1, a2], "carousel", items, caption="Three pictures")
    assert len({p.composition_id for p in posts}) == 1
    env.run()
    for post in posts:
        post = _published(env, post)
        assert all(pm.container_id for pm in post.media)
    state = env.state()
    assert len(state["published_containers"]) == 2


def test_reel_containers_made_ahead_and_published_when_finished(env):
    env.stack.admin("POST", "config", {"video_processing_seconds": 120})
    account = env.account()
    video = env.media("video", size=(1080, 1920))
    cover = env.media("image", size=(1080, 1920))
    due = later(1800).replace(microsecond=0)
    (post,) = env.create(
        [account],
        "reel",
        [video],
        caption="Reel",
        scheduled_at=due,
        cover_media_id=cover.id,
        share_to_feed=False,
    )
    lead = env.settings.PUBLISH_VIDEO_LEAD_SECONDS
    assert abs((post.next_attempt_at - due).total_seconds() + lead) < 2
    env.run(now=later(800))  # before the lead: nothing
    assert env.fresh(post).status == "scheduled"
    env.run(now=due - timedelta(seconds=lead))
    post = env.fresh(post)
    assert post.status == "ready" and post.container_id
    assert abs((post.next_attempt_at - due).total_seconds()) < 1
    # Due, but the sandbox still processes the video (120 s): a status poll, then wait a minute.
    env.run(now=due)
    post = env.fresh(post)
    assert post.status == "ready" and post.container_status == "IN_PROGRESS"
    assert (post.next_attempt_at - due).total_seconds() == env.settings.PUBLISH_POLL_SECONDS
    assert post.container_id not in env.state()["publish_calls"]
    env.advance_sandbox(130)
    env.run(now=post.next_attempt_at)
    post = _published(env, post)


def test_story_image_and_video(env):
    account = env.account()
    (image_story,) = env.create([account], "story", [env.media("image", size=(1080, 1920))])
    (video_story,) = env.create([account], "story", [env.media("video")])
    env.run()
    _published(env, image_story)
    video_story = env.fresh(video_story)
    assert video_story.status == "ready"  # processing in the sandbox (5 s by default)
    env.advance_sandbox(10)
    env.run(now=video_story.next_attempt_at)
    _published(env, video_story)


def test_first_comment_posted_once_after_publishing(env):
    account = env.account()
    (post,) = env.create(
        [account],
        "image",
        [env.media("image")],
        caption="With a comment",
        first_comment="#coffee #almaty #morning",
    )
    env.run()
    post = _published(env, post)
    assert post.comment_id
    client = make_client(env.settings)
    from app.services.instagram import read_token

    env.session.refresh(account)
    comments = client.list_comments(read_token(env.settings, account), post.ig_media_id).data
    texts = [c.get("text") for c in comments]
    assert texts.count("#coffee #almaty #morning") == 1
