"""The workspace roll-ups give exactly the figures summed from the accounts' own rows: over
simulated days with a day Kezek was down, an account's failed day, a snapshot without a
follower count, repeated runs, the 729-day purge, racing workers and a removed account."""

from __future__ import annotations

import threading
from datetime import timedelta

from alembic import command
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import make_engine
from app.instagram import Profile
from app.migrate import alembic_config, upgrade
from app.models import (
    AccountInsightDay,
    FollowerSnapshot,
    InstagramAccount,
    WorkspaceFollowerDay,
    WorkspaceInsightDay,
    utcnow,
)
from app.models.analytics import ACCOUNT_METRIC_COLUMNS
from app.services.accounts import disconnect_account
from app.services.analytics import purge_old
from app.services.analytics_collect import store_snapshot
from app.services.analytics_queries import (
    account_ids,
    account_series,
    follower_series,
    insight_days,
    scope_insight_days,
    scope_series,
    workspace_follower_series,
)
from app.services.analytics_rollup import rebuild, store_insight_days
from app.services.users import create_user
from tests.analytics.conftest import local_today

RANGE = 733  # the purge boundary (729 days) and a few days beyond it


def _profile(followers, follows=50, media=7) -> Profile:
    return Profile(
        user_id="1",
        id="2",
        username="x",
        followers_count=followers,
        follows_count=follows,
        media_count=media,
    )


def _both(session, ws: int, start, end):
    """(roll-up series, series summed from every account's snapshots)."""
    session.expire_all()
    ids = account_ids(session, ws)
    return (
        workspace_follower_series(session, ws, start, end),
        follower_series(session, ws, ids, start, end),
    )


def _simulate(session, accounts, plan):
    """plan: {days ago: {account index: followers (None: the profile had no count)}}; an
    account absent from a day is not snapshotted that day. Each call runs twice."""
    today = local_today()
    for ago in sorted(plan, reverse=True):
        for index, followers in plan[ago].items():
            for _ in range(2):
                follows = None if index == 2 else 40 + index
                store_snapshot(
                    session,
                    accounts[index],
                    today - timedelta(days=ago),
                    _profile(followers, follows),
                )
        session.commit()


def test_workspace_series_equals_the_sum_of_the_accounts_snapshots(
    make_user, make_ig_account, session
):
    ws = make_user("alice").memberships[0].workspace_id
    accounts = [make_ig_account(ws, f"acc{n}") for n in range(3)]
    plan = {}
    for ago in (731, 730, 729, 728, 600, 9, 8, 7, 6, 5, 4, 3, 2, 0):  # day 1: Kezek was down
        plan[ago] = {0: 1000 + 3 * (731 - ago)}
        if ago <= 9:
            plan[ago][1] = 5000 - ago
        if ago <= 5:
            plan[ago][2] = 300 + ago
    del plan[4][1]  # one account's snapshot failed that day
    plan[3][2] = None  # Instagram gave no follower count
    _simulate(session, accounts, plan)
    today = local_today()
    start = today - timedelta(days=RANGE)

    rolled, direct = _both(session, ws, start, today)
    assert rolled == direct
    by_ago = {(today - p.day).days: p for p in rolled}
    # Tracked accounts all taken: summed (independently of the code under test).
    assert by_ago[2].followers == (1000 + 3 * 729) + (5000 - 2) + 302
    assert by_ago[2].follows == 40 + 41  # account 2 never reports follows
    assert by_ago[2].net_change is None  # day 3 is a gap
    assert by_ago[6].net_change == by_ago[6].followers - by_ago[7].followers == 3 + 1
    for gap in (1, 3, 4, 100):  # down, no count, one account failed, recorded missing
        assert by_ago[gap].missing and by_ago[gap].followers is None
    assert not by_ago[RANGE].missing and by_ago[RANGE].followers is None  # before tracking
    assert by_ago[731].followers == 1000
    # Every taken snapshot counted once although each call ran twice.
    assert (
        session.scalar(
            select(WorkspaceFollowerDay.accounts).where(
                WorkspaceFollowerDay.workspace_id == ws,
                WorkspaceFollowerDay.day == today - timedelta(days=2),
            )
        )
        == 3
    )

    counts = purge_old(session)
    session.commit()
    assert counts["workspace_follower_days"] == 3  # days 731, 730, 729
    rolled, direct = _both(session, ws, start, today)
    assert rolled == direct
    assert {(today - p.day).days for p in rolled if p.followers is not None} >= {728, 600, 0}
    assert all(p.followers is None for p in rolled if (today - p.day).days >= 729)

    # The API overview's one-pass per-account series equal each account's own series.
    ids = [a.id for a in accounts]
    assert account_series(session, ws, ids, start, today) == {
        a: follower_series(session, ws, [a], start, today) for a in ids
    }

    # A removed account's snapshots leave the workspace totals with it.
    disconnect_account(session, session.get(InstagramAccount, accounts[1].id))
    session.commit()
    rolled, direct = _both(session, ws, start, today)
    assert rolled == direct
    assert {(today - p.day).days: p.followers for p in rolled}[2] == (1000 + 3 * 729) + 302
    # The page's dispatcher reads the roll-up for the workspace, the rows for one account.
    assert scope_series(session, ws, None, start, today) == rolled
    assert scope_series(session, ws, accounts[0].id, start, today) == follower_series(
        session, ws, [accounts[0].id], start, today
    )


def test_workspace_insights_equal_the_sum_of_the_accounts_days(make_user, make_ig_account, session):
    ws = make_user("alice").memberships[0].workspace_id
    other_ws = make_user("bob").memberships[0].workspace_id
    accounts = [make_ig_account(ws, f"acc{n}") for n in range(2)]
    stranger = make_ig_account(other_ws, "stranger")
    today = local_today()

    def day(ago, **values):
        metrics = {c: values.get(c) for c in ACCOUNT_METRIC_COLUMNS}
        return {"day": today - timedelta(days=ago), "fetched_at": utcnow(), **metrics}

    store_insight_days(session, accounts[0], [day(3, reach=10, views=20), day(2, reach=11)])
    store_insight_days(session, accounts[1], [day(2, reach=5, follows=1), day(1, views=4)])
    store_insight_days(session, stranger, [day(2, reach=1000)])
    session.commit()
    # Re-read while the figures settle: the new values replace the old in the sums.
    store_insight_days(session, accounts[0], [day(2, reach=12, views=30), day(1)])
    session.commit()

    start = today - timedelta(days=RANGE)
    rolled = scope_insight_days(session, ws, None, start, today)
    assert rolled == insight_days(session, ws, account_ids(session, ws), start, today)
    by_ago = {(today - d["day"]).days: d for d in rolled}
    assert (by_ago[2]["reach"], by_ago[2]["views"], by_ago[2]["follows"]) == (17, 30, 1)
    assert (by_ago[1]["reach"], by_ago[1]["views"]) == (None, 4)  # nobody has it: None
    assert by_ago[5]["reach"] is None

    disconnect_account(session, session.get(InstagramAccount, accounts[1].id))
    session.commit()
    rolled = scope_insight_days(session, ws, None, start, today)
    assert rolled == insight_days(session, ws, account_ids(session, ws), start, today)
    assert {(today - d["day"]).days: d["reach"] for d in rolled}[2] == 12
    assert (
        session.scalar(select(func.count()).where(WorkspaceInsightDay.workspace_id == other_ws))
        == 1
    )


def test_racing_workers_count_each_snapshot_once(engine, make_user, make_ig_account, session):
    """Two workers store the same account's day, and two others two accounts' same day."""
    ws = make_user("alice").memberships[0].workspace_id
    one, two = make_ig_account(ws, "one"), make_ig_account(ws, "two")
    today = local_today()
    errors = []

    def race(jobs):
        barrier = threading.Barrier(len(jobs))

        def worker(account_id, followers):
            try:
                with Session(engine) as s:
                    acc = s.get(InstagramAccount, account_id)
                    barrier.wait(5)
                    store_snapshot(s, acc, today, _profile(followers))
                    s.commit()
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=worker, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

    race([(one.id, 100), (one.id, 200)])
    race([(two.id, 7), (two.id, 7)])
    assert not errors
    session.expire_all()
    row = session.scalar(
        select(WorkspaceFollowerDay).where(WorkspaceFollowerDay.workspace_id == ws)
    )
    assert row.accounts == 2 and row.followers_count in (107, 207)
    both = row.followers_count
    rolled, direct = _both(session, ws, today - timedelta(days=1), today)
    assert rolled == direct and rolled[-1].followers == both

    three = make_ig_account(ws, "three")
    race([(three.id, 1), (make_ig_account(ws, "four").id, 2)])
    assert not errors
    rolled, direct = _both(session, ws, today, today)
    assert rolled == direct and rolled[0].followers == both + 3


def test_racing_workers_storing_insight_days_both_count(
    engine, make_user, make_ig_account, session
):
    ws = make_user("alice").memberships[0].workspace_id
    accounts = [make_ig_account(ws, f"acc{n}") for n in range(2)]
    today = local_today()
    barrier = threading.Barrier(2)
    errors = []

    def worker(account_id, reach):
        rows = [
            {
                **dict.fromkeys(ACCOUNT_METRIC_COLUMNS),
                "day": today - timedelta(days=back),
                "reach": reach + back,
                "fetched_at": utcnow(),
            }
            for back in (1, 2, 3)
        ]
        try:
            with Session(engine) as s:
                acc = s.get(InstagramAccount, account_id)
                barrier.wait(5)
                store_insight_days(s, acc, rows)
                s.commit()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [
        threading.Thread(target=worker, args=(a.id, r))
        for a, r in zip(accounts, (10, 20), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    session.expire_all()
    start = today - timedelta(days=5)
    rolled = scope_insight_days(session, ws, None, start, today)
    assert rolled == insight_days(session, ws, account_ids(session, ws), start, today)
    assert [d["reach"] for d in rolled] == [None, None, 36, 34, 32, None]


def test_the_migration_backfills_the_rollups_from_existing_rows(tmp_path):
    """Rows from before the roll-ups existed: the migration fills them with the figures
    rebuild() (the app's own rule) computes. A SQLite file of its own: it goes down and up."""
    url = f"sqlite:///{tmp_path / 'kezek.db'}"
    upgrade(url)
    engine = make_engine(url)
    today = local_today()
    with Session(engine) as s:
        ws = create_user(s, "alice", "a password 123").memberships[0].workspace_id
        for n in range(2):
            account = InstagramAccount(workspace_id=ws, ig_user_id=f"178414{n}", username=f"a{n}")
            s.add(account)
            s.flush()
            for ago in range(6):
                taken = not (n == 1 and ago == 2)
                s.add(
                    FollowerSnapshot(
                        workspace_id=ws,
                        account_id=account.id,
                        day=today - timedelta(days=ago),
                        status="taken" if taken else "missing",
                        followers_count=100 * n + ago if taken else None,
                        follows_count=None if n else 9,
                        media_count=3,
                    )
                )
                s.add(
                    AccountInsightDay(
                        workspace_id=ws,
                        account_id=account.id,
                        day=today - timedelta(days=ago),
                        reach=ago + n,
                        views=None if n else ago,
                    )
                )
        s.commit()
    engine.dispose()  # SQLite: no connection may hold the file while Alembic rebuilds tables
    command.downgrade(alembic_config(url), "b8e41f7a2c63-1")  # the revision before
    upgrade(url)

    engine = make_engine(url)
    try:
        with Session(engine) as s:

            def rows():
                return [
                    sorted(
                        tuple(getattr(r, c.key) for c in model.__table__.c if c.key != "id")
                        for r in s.scalars(select(model))
                    )
                    for model in (WorkspaceFollowerDay, WorkspaceInsightDay)
                ]

            backfilled = rows()
            assert [len(b) for b in backfilled] == [6, 6]
            rebuild(s)
            s.flush()
            s.expire_all()
            assert rows() == backfilled
            start = today - timedelta(days=7)
            ids = account_ids(s, ws)
            assert workspace_follower_series(s, ws, start, today) == follower_series(
                s, ws, ids, start, today
            )
            assert scope_insight_days(s, ws, None, start, today) == insight_days(
                s, ws, ids, start, today
            )
    finally:
        engine.dispose()
