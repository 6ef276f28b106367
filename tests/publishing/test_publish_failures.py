"""Failures against the sandbox: unfetchable media, quota, transient faults, dead tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import InstagramAccount, Notification, utcnow
from app.services.instagram import store_token
from app.services.media_store import path_for
from app.services.publisher_errors import backoff_seconds
from tests.publishing.conftest import later


def test_media_the_sandbox_cannot_fetch_fails_with_the_reason(env):
    account = env.account()
    image = env.media("image")
    (post,) = env.create([account], "image", [image], caption="gone")
    path_for(env.settings, image.storage_key).unlink()  # the public URL now answers 404
    env.run()
    post = env.fresh(post)
    assert post.status == "failed" and post.error_key == "media_url_unreachable"
    failed = [r for r in env.logs(post) if r.result == "error"]
    assert failed[0].code == 9004 and failed[0].subcode == 2207052 and failed[0].fbtrace_id
    notes = env.session.scalars(select(Notification).where(Notification.kind == "post_failed"))
    assert [n.params["post_id"] for n in notes] == [post.id]


def test_quota_exhaustion_waits_for_the_window_then_publishes(env):
    env.stack.admin("POST", "config", {"quota_total": 1})
    account = env.account()
    first, second = (
        env.create([account], "image", [env.media("image")], caption=c)[0] for c in ("one", "two")
    )
    env.run()
    first, second = env.fresh(first), env.fresh(second)
    assert first.status == "done"
    assert second.status == "ready" and second.error_key == "quota_exceeded"
    # Waits until the first publish leaves the rolling 24 h window.
    wait = (second.next_attempt_at - first.published_at).total_seconds()
    assert 86400 <= wait <= 86400 + 10
    assert second.deadline_at > second.next_attempt_at
    env.run(now=later(3600))
    assert env.fresh(second).status == "ready"
    env.advance_sandbox(86400 + 10)
    env.run(now=second.next_attempt_at)
    second = env.fresh(second)
    assert second.status == "done"
    # The old container expired meanwhile: a new one was made and published once.
    calls = env.state()["publish_calls"]
    assert calls[second.container_id] == 1 and sum(calls.values()) == 4


def test_transient_faults_are_retried_with_backoff(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="flaky")
    env.fault(kind="http_500", endpoint="*/media", method="POST", count=1)
    before = utcnow().replace(microsecond=0)  # MariaDB stores whole seconds
    env.run()
    after = utcnow()
    post = env.fresh(post)
    assert post.status == "preparing" and post.attempts == 1 and post.error_key
    # The first back-off is 2.5-5 s (full jitter) from the moment the error was handled.
    assert before + timedelta(seconds=2) <= post.next_attempt_at <= after + timedelta(seconds=5)
    # A timeout on media_publish is ambiguous: the retry asks the status before re-sending.
    env.fault(kind="timeout", endpoint="*/media_publish", count=1, seconds=0.2)
    env.run(now=post.next_attempt_at)
    post = env.fresh(post)
    assert post.status == "publishing" and post.attempts == 1
    env.run(now=post.next_attempt_at)
    post = env.fresh(post)
    assert post.status == "done"
    steps = [r.step for r in env.logs(post)]
    assert "status" in steps  # the container was checked before publishing again
    assert env.state()["publish_calls"][post.container_id] == 1


def test_backoff_grows_honours_retry_after_and_slows_down_on_usage():
    assert backoff_seconds(1, None, 0) <= 5
    assert 40 <= backoff_seconds(5, None, 0) <= 80
    assert backoff_seconds(1, 300, 0) == 300
    assert backoff_seconds(3, None, 100) >= 4 * 10


def test_throttling_retries_after_the_usage_estimate(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="throttled")
    env.fault(kind="throttle", endpoint="*/media", method="POST", code=80002, minutes=3)
    env.run()
    post = env.fresh(post)
    assert post.error_key == "rate_limited_business"
    assert (post.next_attempt_at - post.updated_at).total_seconds() >= 180 - 1
    env.session.expire_all()
    assert env.session.get(InstagramAccount, account.id).usage_percent == 100
    env.run(now=post.next_attempt_at)
    assert env.fresh(post).status == "done"


def test_dead_token_pauses_posts_until_reconnected(env):
    account = env.account()
    posts = [
        env.create([account], "image", [env.media("image")], caption=f"p{i}")[0] for i in range(2)
    ]
    env.fault(kind="token_invalid", endpoint="*/media", method="POST", count=1)
    env.run()
    env.session.expire_all()
    acct = env.session.get(InstagramAccount, account.id)
    assert acct.status == "reconnect_needed"
    for post in posts:
        post = env.fresh(post)
        assert post.status in ("scheduled", "preparing") and post.lease_owner is None
    assert env.fresh(posts[0]).error_key == "reconnect_needed"
    kinds = [n.kind for n in env.session.scalars(select(Notification))]
    assert "token_dead" in kinds and "post_failed" in kinds
    env.run(now=later(60))  # paused: nothing is claimed
    assert env.state()["counts"]["containers"] == 0 or all(
        env.fresh(p).container_id is None for p in posts
    )
    # Reconnecting (a new token, active again) resumes them.
    minted = env.stack.admin("POST", "tokens", {"ig_user_id": acct.ig_user_id})
    store_token(env.settings, acct, minted["access_token"], minted["expires_in"])
    acct.status = "active"
    env.session.commit()
    env.run(now=later(61))
    for post in posts:
        post = env.fresh(post)
        assert post.status == "done" and post.error_key is None


def test_post_fails_after_its_deadline(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="late")
    env.fault(kind="http_500", endpoint="*/media", method="POST", count=None)
    env.run()
    post = env.fresh(post)
    env.run(now=post.deadline_at + timedelta(seconds=1))
    post = env.fresh(post)
    assert post.status == "failed" and post.error_key == "deadline_passed"


def test_post_cancelled_while_the_worker_holds_it_is_not_published(env):
    from app.services.posts import cancel_post
    from app.services.publisher import claim

    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="cancel me")
    with env.sessions() as s:
        assert claim(s, "test-worker", later(1), 60, 10) == [post.id]
    cancel_post(env.session, env.fresh(post))
    env.session.commit()
    env.publisher.process(post.id, now=later(1))
    post = env.fresh(post)
    assert post.status == "cancelled" and post.ig_media_id is None
    assert post.container_id is None or post.container_id not in env.state()["publish_calls"]
