"""Polling fills gaps with few calls, never deletes messages; retention purges idle threads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    InboxComment,
    InboxMessage,
    InboxSyncState,
    InboxThread,
    InstagramAccount,
    ThreadKind,
    utcnow,
)
from app.services.inbox_sync import purge_expired, sync_due
from app.services.instagram import make_client, usage_recorder


def run_sync(app, now=None) -> dict:
    with app.app_context():
        settings = app.config["SETTINGS"]
        counts = sync_due(
            db.session, settings, make_client(settings, usage_recorder(db.session)), now=now
        )
        db.session.commit()
        return counts


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count(model.id)))


def test_first_sync_then_gap_fill_with_fewer_calls(stack, app, session):
    first = run_sync(app)
    assert first["accounts"] == 1 and first["comments"] > 0 and first["messages"] == 6
    comments, messages = count(session, InboxComment), count(session, InboxMessage)
    # History from before connecting is not "unread".
    assert session.scalar(select(func.sum(InboxThread.unread_count))) == 0
    dm = session.scalar(select(InboxThread).where(InboxThread.kind == "dm"))
    assert dm.customer_username and dm.ig_conversation_id and dm.last_customer_message_at

    # Not due yet: nothing happens.
    assert run_sync(app)["accounts"] == 0
    # A comment whose webhook never arrived, then the next turn.
    media_id = session.scalar(select(InboxComment.ig_media_id).limit(1))
    stack.admin("POST", "customer/comment", {"media_id": media_id, "text": "missed"})
    later = utcnow() + timedelta(minutes=6)
    second = run_sync(app, now=later)
    assert second["comments"] == 1 and second["messages"] == 0
    assert second["calls"] < first["calls"]
    missed = session.scalar(select(InboxComment).where(InboxComment.text == "missed"))
    assert session.get(InboxThread, missed.thread_id).unread_count == 1
    assert count(session, InboxComment) == comments + 1
    assert count(session, InboxMessage) == messages


def test_sync_never_deletes_messages_beyond_the_newest_twenty(stack, app, session):
    run_sync(app)
    dm = session.scalar(select(InboxThread).where(InboxThread.kind == ThreadKind.DM.value))
    for n in range(25):
        session.add(
            InboxMessage(
                workspace_id=dm.workspace_id,
                thread_id=dm.id,
                account_id=dm.account_id,
                mid=f"old-{n}",
                text=f"old {n}",
                sent_at=utcnow() - timedelta(days=30),
            )
        )
    session.commit()
    before = count(session, InboxMessage)
    state = session.scalar(select(InboxSyncState))
    state.next_at = utcnow()
    state.conversations_seen_at = None
    session.commit()
    run_sync(app)
    assert count(session, InboxMessage) == before


def test_sync_waits_while_the_rate_limit_is_high(stack, app, session):
    account = session.get(InstagramAccount, stack.account.id)
    account.usage_percent = 90
    account.usage = {
        "max_percent": 90,
        "regain_access_seconds": 1800,
        "at": utcnow().isoformat(),
    }
    session.commit()
    counts = run_sync(app)
    assert counts["calls"] == 0 and count(session, InboxComment) == 0
    state = session.scalar(select(InboxSyncState))
    assert state.error == "rate_limited" and state.next_at > utcnow() + timedelta(minutes=29)


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttled_answer_records_usage_and_the_next_run_waits(stack, app, session, code):
    # Instagram throttles the first call and says (in the usage headers) to wait 30 minutes.
    stack.admin(
        "POST", "faults", {"kind": "throttle", "endpoint": "*", "code": code, "minutes": 30}
    )
    before = utcnow().replace(microsecond=0)
    run_sync(app)
    session.expire_all()
    account = session.get(InstagramAccount, stack.account.id)
    assert account.usage_percent == 100 and account.usage["regain_access_seconds"] == 1800
    assert session.scalar(select(InboxSyncState)).error.startswith("rate_limited")
    assert count(session, InboxComment) == 0

    # The account's turn comes early (a new poll requested 10 minutes later): it still waits,
    # without a single call, until Instagram's estimate has passed.
    state = session.scalar(select(InboxSyncState))
    state.next_at = utcnow()
    session.commit()
    counts = run_sync(app, now=utcnow() + timedelta(minutes=10))
    assert counts["accounts"] == 1 and counts["calls"] == 0
    session.expire_all()
    state = session.scalar(select(InboxSyncState))
    assert state.error == "rate_limited"
    assert state.next_at >= before + timedelta(minutes=30) - timedelta(seconds=5)

    # Then it polls again, and the fresh answers' headers replace the throttled reading.
    counts = run_sync(app, now=state.next_at)
    assert counts["calls"] > 0 and count(session, InboxComment) > 0
    session.expire_all()
    assert session.scalar(select(InboxSyncState)).error is None
    assert session.get(InstagramAccount, stack.account.id).usage_percent < 75


def test_retention_purges_threads_idle_past_the_limit(app, session, account):
    old = InboxThread(
        workspace_id=account.workspace_id,
        account_id=account.id,
        kind="comment",
        thread_key="1",
        last_activity_at=utcnow() - timedelta(days=400),
    )
    fresh = InboxThread(
        workspace_id=account.workspace_id,
        account_id=account.id,
        kind="dm",
        thread_key="2",
        last_activity_at=utcnow() - timedelta(days=10),
    )
    session.add_all([old, fresh])
    session.flush()
    session.add(
        InboxComment(
            workspace_id=account.workspace_id,
            thread_id=old.id,
            account_id=account.id,
            ig_comment_id="1",
            text="old",
        )
    )
    session.add(
        InboxMessage(
            workspace_id=account.workspace_id,
            thread_id=fresh.id,
            account_id=account.id,
            mid="m",
            text="fresh",
        )
    )
    session.commit()
    with app.app_context():
        counts = purge_expired(db.session, app.config["SETTINGS"])
        db.session.commit()
    assert (counts["threads"], counts["comments"], counts["messages"]) == (1, 1, 0)
    assert [t.thread_key for t in session.scalars(select(InboxThread))] == ["2"]
    assert count(session, InboxComment) == 0 and count(session, InboxMessage) == 1
