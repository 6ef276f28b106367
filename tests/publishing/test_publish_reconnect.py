"""A token killed on "Instagram" (the sandbox) pauses all the account's posts until reconnect.

Over real HTTP: the sandbox revokes the account's tokens (`DELETE /_admin/tokens`), several
posts of the account are due, the first Graph call meets the 190, and every post of the
account becomes "reconnect needed" without another call; after reconnecting each is
published exactly once (the sandbox counts `media_publish` per container), or, once past its
deadline, fails with `account_disconnected`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import InstagramAccount, Notification
from app.web.post_messages import post_error_text
from tests.publishing.conftest import DEMO, DEMO_2, later

# A zero-second latency fault on every Graph path counts the calls, valid token or not.
COUNT_CALLS = {"kind": "latency", "endpoint": "*", "seconds": 0, "count": None}


def _graph_calls(env) -> int:
    return sum(f["hits"] for f in env.state()["faults"] if f["kind"] == "latency")


def test_killed_token_pauses_all_posts_of_the_account_and_reconnect_publishes_each_once(env):
    account, other = env.account(DEMO), env.account(DEMO_2)
    image = env.media("image")
    due = [env.create([account], "image", [image], caption=f"due {i}")[0] for i in range(4)]
    (upcoming,) = env.create([account], "image", [image], caption="later", scheduled_at=later(7200))
    (unrelated,) = env.create([other], "image", [image], caption="other account")
    revoked = env.stack.admin("DELETE", "tokens", {"ig_user_id": DEMO})
    assert revoked["revoked"] >= 1
    env.fault(**COUNT_CALLS)

    env.run()
    env.session.expire_all()
    assert env.session.get(InstagramAccount, account.id).status == "reconnect_needed"
    # The other account is not affected (container, publish, permalink lookup); of this
    # one, only the first post met Instagram.
    assert env.fresh(unrelated).status == "done" and env.fresh(unrelated).permalink
    assert _graph_calls(env) == 3 + 1
    for post in [*due, upcoming]:
        post = env.fresh(post)
        assert post.error_key == "reconnect_needed", (post.id, post.status)
        assert post.status in ("scheduled", "preparing") and post.lease_owner is None
        assert post.container_id is None
        assert any(r.message_key == "reconnect_needed" for r in env.logs(post))
    kinds = [n.kind for n in env.session.scalars(select(Notification))]
    assert kinds.count("token_dead") == 1

    env.run(now=later(120))  # still disconnected: nothing is claimed, no call is made
    assert _graph_calls(env) == 4

    env.reconnect(account)
    env.run()
    for post in due:
        post = env.fresh(post)
        assert post.status == "done" and post.error_key is None, (post.id, post.status)
        assert ("resumed", "info") in {(r.step, r.result) for r in env.logs(post)}
    upcoming = env.fresh(upcoming)  # resumed, still waiting for its own time
    assert upcoming.status == "scheduled" and upcoming.error_key is None
    assert upcoming.container_id is None

    env.run(now=upcoming.scheduled_at + timedelta(seconds=1))
    assert env.fresh(upcoming).status == "done"
    state = env.state()
    mine = [env.fresh(p) for p in [*due, upcoming]]
    assert all(state["publish_calls"].get(p.container_id) == 1 for p in mine)
    assert sum(state["publish_calls"].values()) == len(mine) + 1  # + the other account's
    assert len({p.ig_media_id for p in mine}) == len(mine)


def test_posts_whose_deadline_passed_while_disconnected_fail_with_the_reason(env):
    account = env.account(DEMO)
    image = env.media("image")
    posts = [env.create([account], "image", [image], caption=f"stale {i}")[0] for i in range(2)]
    env.stack.admin("DELETE", "tokens", {"ig_user_id": DEMO})
    env.run()
    assert {env.fresh(p).error_key for p in posts} == {"reconnect_needed"}

    env.reconnect(account)
    deadline = max(env.fresh(p).deadline_at for p in posts)
    env.run(now=deadline + timedelta(seconds=1))
    for post in posts:
        post = env.fresh(post)
        assert post.status == "failed" and post.error_key == "account_disconnected"
        assert post.ig_media_id is None
    assert env.state()["publish_calls"] == {}
    reasons = [
        n.params.get("reason")
        for n in env.session.scalars(select(Notification).where(Notification.kind == "post_failed"))
    ]
    assert reasons.count("account_disconnected") == 2
    with env.app.test_request_context(headers={"Accept-Language": "ru"}):
        text = post_error_text("account_disconnected")
    assert text and text != post_error_text(None) and "disconnected" not in text
