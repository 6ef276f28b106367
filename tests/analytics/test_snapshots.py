"""Daily follower snapshots on the sandbox across simulated days: one row per account per
day under double and concurrent runs, missing days recorded as missing, retention purge."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.instagram import Profile
from app.models import FollowerSnapshot, InstagramAccount, ProfileSnapshot
from app.services.analytics import purge_old
from app.services.analytics_collect import due_snapshots, store_snapshot
from app.services.analytics_queries import follower_series
from scheduler.analytics_jobs import take_snapshots
from tests.analytics.conftest import add_snapshots, local_today


def _rows(session, model=FollowerSnapshot):
    session.expire_all()
    return session.scalars(select(model).order_by(model.day)).all()


def test_connecting_snapshots_at_once_then_daily_after_the_set_hour(
    connected, clock, in_app, session
):
    # Connected at 03:00 local, before ANALYTICS_SNAPSHOT_HOUR (6): the first snapshot is
    # still taken right away.
    now = clock.at(0, hour=3)
    assert in_app(take_snapshots, now) == 1
    first = _rows(session)
    assert len(first) == 1 and first[0].followers_count == clock.followers()
    assert first[0].day == local_today() and first[0].status == "taken"
    profile = _rows(session, ProfileSnapshot)[0]
    assert profile.username == "aruzhan.coffee" and profile.biography

    # Next day at 05:00: not yet; at 07:00: taken, with that day's (changed) follower count.
    assert in_app(take_snapshots, clock.at(1, hour=5)) == 0
    assert in_app(take_snapshots, clock.at(1, hour=7)) == 1
    rows = _rows(session)
    assert [r.day for r in rows] == [local_today(), local_today() + timedelta(days=1)]
    assert rows[1].followers_count == clock.followers()
    assert rows[1].followers_count != rows[0].followers_count


def test_running_twice_stores_one_row(connected, clock, in_app, session):
    now = clock.at(0, hour=8)
    assert in_app(take_snapshots, now) == 1
    assert in_app(take_snapshots, now) == 0  # nothing is due any more
    # Even forced through the service a second time, the day keeps its one row.
    profile = Profile(user_id="1", id="2", username="x", followers_count=1)

    def again():
        from app.extensions import db

        account = db.session.get(InstagramAccount, connected.id)
        store_snapshot(db.session, account, local_today(), profile)

    in_app(again)
    rows = _rows(session)
    assert len(rows) == 1 and rows[0].followers_count != 1


def test_a_missed_day_is_recorded_as_missing_and_shown_as_a_gap(connected, clock, in_app, session):
    in_app(take_snapshots, clock.at(0))
    # Kezek is down for two days, then runs again.
    in_app(take_snapshots, clock.at(3))
    rows = _rows(session)
    assert [(r.day - local_today()).days for r in rows] == [0, 1, 2, 3]
    assert [r.status for r in rows] == ["taken", "missing", "missing", "taken"]
    assert rows[1].followers_count is None and rows[2].followers_count is None
    series = follower_series(
        session,
        connected.workspace_id,
        [connected.id],
        local_today(),
        local_today() + timedelta(days=3),
    )
    assert [p.followers is None for p in series] == [False, True, True, False]
    assert [p.missing for p in series] == [False, True, True, False]
    # The change over the gap is unknown, not spread over the missing days.
    assert [p.net_change for p in series][1:] == [None, None, None]


def test_two_concurrent_runs_store_exactly_one_row(connected, clock, app, session):
    """Two workers race through the job; the lease and the unique key keep one row."""
    now = clock.at(0, hour=9)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context():
                barrier.wait(5)
                take_snapshots(now)
        except Exception as e:  # noqa: BLE001 - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(_rows(session)) == 1


def test_concurrent_inserts_of_the_same_day_keep_one_row(
    engine, make_user, make_ig_account, session
):
    """Below the lease: two sessions insert the same (account, day) at the same moment."""
    ws = make_user("alice").memberships[0].workspace_id
    account = make_ig_account(ws)
    barrier = threading.Barrier(2)
    errors = []

    def worker(followers):
        try:
            with Session(engine) as s:
                acc = s.get(InstagramAccount, account.id)
                barrier.wait(5)
                store_snapshot(
                    s,
                    acc,
                    local_today(),
                    Profile(user_id="1", id="2", username="x", followers_count=followers),
                )
                s.commit()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (100, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    rows = _rows(session)
    assert len(rows) == 1 and rows[0].followers_count in (100, 200)
    assert session.scalar(select(func.count(ProfileSnapshot.id))) == 1


def test_due_snapshots_follow_the_workspace_timezone(
    make_user, make_ig_account, session, clock_free_now
):
    ws = make_user("alice").memberships[0].workspace
    account = make_ig_account(ws.id)
    account.token_ciphertext = "x"
    session.commit()
    add_snapshots(session, account, {1: 500})
    local = clock_free_now(hour=5)
    assert due_snapshots(session, 6, local) == []
    assert due_snapshots(session, 6, local + timedelta(hours=1)) == [account.id]
    ws.timezone = "America/Los_Angeles"  # it is still "yesterday" there
    session.commit()
    assert account.id not in due_snapshots(session, 6, local + timedelta(hours=1))


def test_purge_keeps_729_days_of_followers_and_30_of_profiles(make_user, make_ig_account, session):
    ws = make_user("alice").memberships[0].workspace_id
    account = make_ig_account(ws)
    add_snapshots(session, account, {0: 10, 728: 8, 729: 7, 900: 6})
    today = local_today()
    for ago in (0, 29, 30, 31):
        session.add(
            ProfileSnapshot(
                workspace_id=ws,
                account_id=account.id,
                day=today - timedelta(days=ago),
                username="x",
            )
        )
    session.commit()
    counts = purge_old(session)
    session.commit()
    assert counts["follower_snapshots"] == 2 and counts["profile_snapshots"] == 2
    assert [(today - r.day).days for r in _rows(session)] == [728, 0]
    assert [(today - r.day).days for r in _rows(session, ProfileSnapshot)] == [29, 0]
