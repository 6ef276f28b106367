"""Graph API faults from the sandbox during publishing, sync and inbox actions.

5xx storms, timeouts (also the ambiguous kind: Instagram did the work but the answer never
arrived), throttling with usage headers, malformed answers and dead tokens. Every post ends
published exactly once (the sandbox counts `media_publish` per container) or failed with a
reason, and nothing stays in a working state past its deadline: the worker runs with a short
`PUBLISH_DEADLINE_SECONDS` on a moving clock (the worker's `now` and the sandbox clock).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.instagram import InstagramError
from app.models import InstagramAccount, utcnow
from app.models.inbox import InboxAction, InboxComment, InboxMessage, InboxSyncState
from app.models.post import WORKING_STATUSES
from app.services import accounts as accounts_service
from app.services import inbox_actions
from app.services.inbox_sync import sync_due
from app.services.instagram import make_client, usage_recorder
from tests.inbox.test_actions import Flow

DEMO, DEMO_2, DEMO_3 = "17841400000000001", "17841400000000002", "17841400000000003"
DEADLINE = 900
STEP = 30
LATENCY = 3.0
RECONNECT_AT = 10  # steps of STEP seconds: well within DEADLINE


def _hits(env, kind: str) -> int:
    return sum(f["hits"] for f in env.state()["faults"] if f["kind"] == kind)


def test_publishing_through_a_fault_storm_ends_every_post_once(env):
    env.settings.PUBLISH_DEADLINE_SECONDS = DEADLINE
    # Short enough that a slow answer is a timeout, long enough for the loaded CI machine.
    env.settings.INSTAGRAM_TIMEOUT_SECONDS = 1.5
    steady, down, dying = env.account(DEMO), env.account(DEMO_2), env.account(DEMO_3)
    image = env.media("image")
    by_account = {
        a.id: [env.create([a], "image", [image], caption=f"{a.username} {i}")[0] for i in range(4)]
        for a in (steady, down, dying)
    }
    storm = [
        # The steady account: everything goes wrong once or twice, then works.
        {"kind": "http_500", "endpoint": "*/media", "method": "POST", "account": DEMO, "count": 3},
        {
            "kind": "throttle",
            "endpoint": "*/media",
            "method": "POST",
            "account": DEMO,
            "code": 80002,
            "minutes": 1,
            "count": 2,
        },
        {"kind": "bad_gateway", "endpoint": "*/media_publish", "account": DEMO, "count": 1},
        # Published, but the answer comes after the client gave up: must not publish twice.
        {
            "kind": "latency",
            "endpoint": "*/media_publish",
            "account": DEMO,
            "seconds": LATENCY,
            "count": 1,
        },
        {"kind": "malformed", "endpoint": "*/media_publish", "account": DEMO, "count": 1},
        {
            "kind": "throttle",
            "endpoint": "*/media_publish",
            "account": DEMO,
            "code": 4,
            "minutes": 2,
            "count": 1,
        },
        # This account's containers never work: its posts must fail at their deadline.
        {
            "kind": "http_500",
            "endpoint": "*/media",
            "method": "POST",
            "account": DEMO_2,
            "count": None,
        },
        # This token dies: its posts pause (no lease, no publish) until it is reconnected.
        {
            "kind": "token_expired",
            "endpoint": "*/media",
            "method": "POST",
            "account": DEMO_3,
            "count": 1,
        },
    ]
    env.stack.admin("POST", "faults", storm)

    now = utcnow()
    waited = False
    for step in range(DEADLINE // STEP + 10):
        env.run(now=now)
        if not waited and _hits(env, "latency"):
            # Let the late publish land at "Instagram" before the worker looks again, so the
            # next status read says PUBLISHED and the post is reconciled, never re-sent.
            time.sleep(LATENCY)
            waited = True
        if step == RECONNECT_AT:
            # Well before the deadline: every post of the dead token's account is paused
            # "reconnect needed" (not only the one that met the 190), none was published.
            env.session.expire_all()
            assert env.session.get(InstagramAccount, dying.id).status == "reconnect_needed"
            paused = [env.fresh(p) for p in by_account[dying.id]]
            assert {p.error_key for p in paused} == {"reconnect_needed"}
            assert all(p.status in ("scheduled", "preparing") for p in paused)
            assert all(p.lease_owner is None and p.ig_media_id is None for p in paused)
            env.reconnect(dying)
        env.advance_sandbox(STEP)
        now += timedelta(seconds=STEP)

    state = env.state()
    calls = state["publish_calls"]
    hits = {(f["kind"], f["account"]): f["hits"] for f in state["faults"]}
    assert hits[("latency", DEMO)] == 1 and hits[("token_expired", DEMO_3)] == 1
    posts = {p.id: env.fresh(p) for ps in by_account.values() for p in ps}
    for post in posts.values():
        assert post.status in ("done", "failed"), (post.id, post.status, post.error_key)
        if post.status == "done":
            assert calls.get(post.container_id) == 1, (post.id, calls)
        else:
            assert post.error_key, post.id  # failed with a reason
        # Nothing is left in a working state past its deadline.
        assert not (post.status in WORKING_STATUSES and post.deadline_at < now)
    steps = {(r.step, r.result) for p in by_account[steady.id] for r in env.logs(p)}
    assert ("reconciled", "ok") in steps  # the late publish was found, not sent again
    assert {posts[p.id].status for p in by_account[steady.id]} == {"done"}
    # Reconnected within their deadline, all posts of the dead token's account published.
    assert {posts[p.id].status for p in by_account[dying.id]} == {"done"}
    assert {posts[p.id].error_key for p in by_account[dying.id]} == {None}
    for post in by_account[down.id]:
        post = posts[post.id]
        assert post.status == "failed" and post.error_key == "deadline_passed"
        assert post.container_id is None
    # Exactly one publish per done post, no stray publish anywhere.
    done = [p for p in posts.values() if p.status == "done"]
    assert sum(calls.values()) == len(done) == 8
    assert sorted(state["published_containers"].values()) == sorted(p.ig_media_id for p in done)
    assert len({p.ig_media_id for p in done}) == len(done)
    # The throttle's usage headers were recorded on the account.
    env.session.expire_all()
    assert env.session.get(InstagramAccount, steady.id).usage_percent is not None


def _sync_accounts(app):
    with app.app_context():
        settings = app.config["SETTINGS"]
        client = make_client(settings, on_usage=usage_recorder(db.session))
        accounts_service.sync_requested(db.session, settings, client)
        db.session.commit()


def _sync_inbox(app, now):
    with app.app_context():
        settings = app.config["SETTINGS"]
        client = make_client(settings, on_usage=usage_recorder(db.session))
        counts = sync_due(db.session, settings, client, now=now)
        db.session.commit()
        return counts


def test_sync_and_inbox_actions_under_faults(stack, app, session, process):
    flow = Flow(stack, app, session, process)
    account = stack.account
    comment = flow.comment()
    thread = flow.message()
    settings = app.config["SETTINGS"]
    client = make_client(settings)

    # Account sync: a 5xx storm postpones it; throttling records the usage and postpones it.
    acct = session.get(InstagramAccount, account.id)
    acct.sync_requested_at = utcnow() - timedelta(seconds=1)
    session.commit()
    stack.admin("POST", "faults", {"kind": "http_500", "endpoint": "/*", "count": 3})
    _sync_accounts(app)
    session.expire_all()
    acct = session.get(InstagramAccount, account.id)
    assert acct.status == "active" and acct.sync_requested_at > utcnow()
    stack.admin("DELETE", "faults")

    # Inbox sync: throttled (usage headers say: 20 minutes), then a malformed answer; never
    # a crash, the error is kept, the next poll waits Instagram's estimate, then recovers.
    stack.admin(
        "POST",
        "faults",
        [
            {"kind": "throttle", "endpoint": "*", "code": 4, "minutes": 20, "count": 1},
            {"kind": "malformed", "endpoint": "*", "count": 1},
        ],
    )
    now = utcnow()
    _sync_inbox(app, now)
    session.expire_all()
    sync_state = session.scalar(select(InboxSyncState))
    # (MariaDB keeps whole seconds.)
    waited = sync_state.next_at - now.replace(microsecond=0)
    assert sync_state.error == "rate_limited_app" and waited >= timedelta(minutes=20)
    _sync_inbox(app, sync_state.next_at)
    session.expire_all()
    sync_state = session.scalar(select(InboxSyncState))
    assert sync_state.error == "bad_response" and sync_state.next_at > now
    _sync_inbox(app, sync_state.next_at)
    session.expire_all()
    assert session.scalar(select(InboxSyncState)).error is None
    stack.admin("DELETE", "faults")

    # Inbox actions: a refused reply and DM are stored as failures with their reason and
    # nothing is stored as sent; a retry once Instagram works sends each exactly once.
    outgoing = select(func.count(InboxMessage.id)).where(InboxMessage.outgoing.is_(True))
    own = select(func.count(InboxComment.id)).where(InboxComment.is_own.is_(True))
    stack.admin(
        "POST",
        "faults",
        [
            {"kind": "http_500", "endpoint": "*/replies", "count": 1},
            {"kind": "timeout", "endpoint": "*/messages", "seconds": 0.1, "count": 1},
        ],
    )
    sent_before, own_before = session.scalar(outgoing), session.scalar(own)
    failures = []
    for act in (
        lambda: inbox_actions.reply_to_comment(session, settings, client, comment, "Спасибо!"),
        lambda: inbox_actions.send_message(session, settings, client, thread, "Сәлем!"),
    ):
        with pytest.raises(inbox_actions.InboxSendError) as caught:
            act()
        session.commit()
        failures.append(caught.value.action)
    assert all(a.error_key and a.error_kind for a in failures)
    assert (session.scalar(outgoing), session.scalar(own)) == (sent_before, own_before)
    stack.admin("DELETE", "faults")
    for action in failures:
        inbox_actions.retry(session, settings, client, session.get(InboxAction, action.id))
        session.commit()
    assert session.scalar(select(func.count(InboxAction.id))) == 0
    assert (session.scalar(outgoing), session.scalar(own)) == (sent_before + 1, own_before + 1)
    replies = flow.graph_comment(comment.ig_comment_id).get("replies", {}).get("data", [])
    assert [r["text"] for r in replies] == ["Спасибо!"]

    # A dead token: the action fails with the reconnect reason and the account says so.
    stack.admin("POST", "faults", {"kind": "token_invalid", "endpoint": "*", "count": 1})
    with pytest.raises(inbox_actions.InboxSendError) as caught:
        inbox_actions.send_message(session, settings, client, thread, "ещё раз")
    session.commit()
    assert isinstance(caught.value.error, InstagramError)
    session.expire_all()
    assert session.get(InstagramAccount, account.id).status == "reconnect_needed"
