"""Three worker processes against one MariaDB publish 300 posts: none is published twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models.post import Post, PostLog
from tests.publishing.conftest import DEMO, DEMO_2
from tests.publishing.workers import count_status, start_worker, stop, wait_until, worker_env

POSTS = 300

pytestmark = pytest.mark.parametrize("database_url", ["mariadb"], indirect=True)


def test_three_workers_publish_300_posts_exactly_once(env, database_url):
    env.stack.admin("POST", "config", {"quota_total": 1000})
    accounts = [env.account(DEMO), env.account(DEMO_2), env.account("17841400000000003")]
    image = env.media("image")
    posts = env.create(accounts, "image", [image], caption="warm-up")
    for i in range(POSTS // 3 - 1):
        posts += env.create(accounts, "image", [image], caption=f"post {i}")
    ids = [p.id for p in posts]
    assert len(ids) == POSTS
    wenv = worker_env(database_url, env.stack, PUBLISH_LEASE_SECONDS=30)
    procs = [start_worker(wenv) for _ in range(3)]
    try:
        finished = wait_until(lambda: count_status(env.session, ids, ["done"]) == POSTS, 120, 0.5)
    finally:
        for proc in procs:
            stop(proc)
    assert finished, count_status(env.session, ids, ["done"])
    state = env.state()
    calls, published = state["publish_calls"], state["published_containers"]
    env.session.expire_all()
    rows = env.session.scalars(select(Post).where(Post.id.in_(ids))).all()
    assert len(published) == POSTS
    assert all(calls[p.container_id] == 1 for p in rows)
    assert len({p.ig_media_id for p in rows}) == POSTS
    # Every worker took a share, and no post was claimed by two of them (one container each).
    per_post = env.session.execute(
        select(PostLog.post_id, func.count())
        .where(PostLog.post_id.in_(ids), PostLog.step == "container")
        .group_by(PostLog.post_id)
    ).all()
    assert {n for _, n in per_post} == {1}
