"""The permalink of a published post: one GET after publishing, never in the way of it."""

from __future__ import annotations

from tests.publishing.conftest import later

# GET /{media-id} only (an image post's publishing makes POSTs only).
MEDIA_NODE_GET = {"endpoint": r"^/(v[0-9.]+/)?[0-9]+$", "method": "GET"}


def _hits(env, kind: str) -> int:
    return sum(f["hits"] for f in env.state()["faults"] if f["kind"] == kind)


def test_permalink_is_looked_up_once_after_publishing(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="link me")
    env.fault(kind="latency", seconds=0, count=None, **MEDIA_NODE_GET)
    env.fault(kind="latency", seconds=0, count=None, endpoint="*", method="POST")
    env.run()
    post = env.fresh(post)
    assert post.status == "done" and post.lease_owner is None and post.lease_until is None
    assert post.permalink.startswith("https://www.instagram.com/")
    hits = {f["method"]: f["hits"] for f in env.state()["faults"]}
    assert hits == {"GET": 1, "POST": 2}  # container + media_publish, then the permalink
    env.run(now=later(60))  # found: never looked up again
    assert {f["method"]: f["hits"] for f in env.state()["faults"]} == hits


def test_failed_permalink_lookup_leaves_the_post_published_and_is_retried_later(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="link later")
    env.fault(kind="http_500", count=None, **MEDIA_NODE_GET)
    env.run()
    post = env.fresh(post)
    assert post.status == "done" and post.ig_media_id and post.permalink is None
    assert env.state()["publish_calls"][post.container_id] == 1
    assert _hits(env, "http_500") == 1
    env.run(now=later(60))  # backing off: no second lookup yet
    assert _hits(env, "http_500") == 1
    env.stack.admin("DELETE", "faults")
    env.run(now=later(16 * 60))
    post = env.fresh(post)
    assert post.permalink and post.lease_until is None
    assert post.status == "done" and env.state()["publish_calls"][post.container_id] == 1
