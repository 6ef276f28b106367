"""Leases: a post claimed by a worker that vanished is picked up once its lease expires."""

from __future__ import annotations

from app.models import utcnow
from app.services.publisher import Publisher, claim
from tests.publishing.conftest import later


def test_expired_lease_is_picked_up_and_the_old_owner_cannot_publish_again(env):
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="leased")
    gone = Publisher(env.sessions, env.settings, worker_id="worker-gone")
    with env.sessions() as session:
        assert claim(session, gone.worker_id, utcnow(), 120, 10) == [post.id]

    env.run()  # leased by the vanished worker: left alone
    post = env.fresh(post)
    assert post.status == "scheduled" and post.lease_owner == "worker-gone"
    assert env.state()["counts"]["containers"] == 0

    env.run(now=later(121))  # the lease expired: another worker claims and publishes it
    post = env.fresh(post)
    assert post.status == "done" and post.lease_owner is None

    gone.process(post.id)  # the old owner comes back: its lease is gone, nothing happens
    post = env.fresh(post)
    assert post.status == "done"
    assert env.state()["publish_calls"] == {post.container_id: 1}
