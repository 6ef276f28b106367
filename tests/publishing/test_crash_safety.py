"""The real worker process SIGKILLed at every state and at random moments: no post is
published twice and none is lost (the sandbox counts media_publish calls per container)."""

from __future__ import annotations

import random
import signal

from sqlalchemy import select

from app.models.post import Post
from app.services.instagram import make_client, read_token
from tests.publishing.conftest import DEMO, DEMO_2
from tests.publishing.workers import count_status, start_worker, stop, wait_until, worker_env

# Named points in app.services.publisher_steps where the worker SIGKILLs itself.
CRASH_POINTS = (
    "after_create",  # container made, its id not yet committed
    "before_publish",  # `publishing` committed, media_publish not sent
    "after_publish",  # media_publish answered, the media id not committed
    "after_published",  # `published` committed
    "before_comment",  # `commenting` committed, comment not sent
    "after_comment",  # comment made, its id not committed
)


def _check_exactly_once(env, posts):
    env.session.expire_all()
    state = env.state()
    calls, published = state["publish_calls"], state["published_containers"]
    rows = [env.session.get(Post, p.id) for p in posts]
    for post in rows:
        assert post.status == "done", (post.id, post.status, post.error_key)
        assert published[post.container_id] == post.ig_media_id
        # Never re-sent for a container that Instagram had already published.
        assert calls[post.container_id] == 1, (post.id, calls[post.container_id])
    # Nothing published that no post knows about (no duplicate containers published).
    assert len(published) == len(rows)
    return rows


def _check_comments_once(env, rows, accounts):
    client = make_client(env.settings)
    tokens = {a.id: read_token(env.settings, a) for a in accounts}
    for post in rows:
        data = client.list_comments(tokens[post.account_id], post.ig_media_id).data
        assert [c.get("text") for c in data].count(post.first_comment) == 1, post.id


def test_sigkill_at_every_state_and_at_random_points(env, database_url):
    accounts = [env.account(DEMO), env.account(DEMO_2)]
    image = env.media("image")
    posts = []
    for i in range(24):
        posts += env.create(
            [accounts[i % 2]],
            "image",
            [image],
            caption=f"crash {i}",
            first_comment=f"first comment {i}",
        )
    ids = [p.id for p in posts]
    wenv = worker_env(database_url, env.stack)
    # 1. A SIGKILL at each named point of the state machine, restarting after each.
    for point in CRASH_POINTS:
        proc = start_worker({**wenv, "KEZEK_PUBLISH_CRASH_AT": point})
        try:
            proc.wait(60)
        finally:
            stop(proc)
        assert proc.returncode == -signal.SIGKILL, (point, proc.returncode)
    # 2. SIGKILLs at random moments.
    rng = random.Random(5)
    for _ in range(4):
        if count_status(env.session, ids, ["done"]) == len(ids):
            break
        proc = start_worker(wenv)
        wait_until(lambda: False, rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # 3. A last run to the end: every post done, each published exactly once.
    proc = start_worker(wenv)
    try:
        done = wait_until(lambda: count_status(env.session, ids, ["done"]) == len(ids), 90)
        rows = [env.session.get(Post, i) for i in ids]
        assert done, [
            (
                p.id,
                p.status,
                p.lease_owner,
                p.lease_until,
                p.next_attempt_at,
                __import__("app.models").models.utcnow(),
            )
            for p in rows
            if p.status != "done"
        ]
    finally:
        stop(proc)
    rows = _check_exactly_once(env, posts)
    _check_comments_once(env, rows, accounts)
    reconciled = env.session.scalars(
        select(Post.id).where(Post.id.in_(ids), Post.publish_started_at.is_not(None))
    ).all()
    assert len(reconciled) == len(ids)
