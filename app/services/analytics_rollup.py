"""The workspace's daily roll-ups of followers (workspace_follower_day) and of account
insights (workspace_insight_day), and the rule for a workspace day.

The rule, the same whether read from the roll-up or summed from the accounts' snapshots: the
totals are the sums over the accounts whose snapshot that day was taken with a follower count.
An account is tracked from its first snapshot on; a day on which any tracked account has no
such snapshot (Kezek was down, that account's run failed, Instagram gave no count, or the day
is not snapshotted yet) is a missing day for the workspace, shown as a gap and never as a
smaller total. The roll-up keeps the sums and how many accounts are in them; the reader
compares that count with the number of tracked accounts.

The account insights roll-up (workspace_insight_day) is each metric summed over the
workspace's accounts that day, NULL when none has it, exactly as summing account_insight_day.

Both change in the same transaction as what they are built from: a new taken snapshot adds to
its day (store_snapshot), an account's insight days are stored and their workspace days
recomputed together (store_insight_days), the purge deletes the same days, and removing an
account rebuilds its workspace's days from the remaining rows.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    AccountInsightDay,
    FollowerSnapshot,
    InstagramAccount,
    WorkspaceFollowerDay,
    WorkspaceInsightDay,
)
from app.models.analytics import ACCOUNT_METRIC_COLUMNS, SnapshotStatus
from app.services.analytics import upsert

DUPLICATE_KEY = 1062  # MariaDB ER_DUP_ENTRY


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_once(session: Session, values: dict) -> bool:
    """INSERT a follower snapshot unless its (account, day) exists; True when this call
    inserted it. Racing workers: exactly one of them gets True."""
    table = FollowerSnapshot.__table__
    if _dialect(session) == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        # SQLite serializes writers, and DO NOTHING reports 0 rows for an existing key.
        stmt = (
            sqlite_insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["account_id", "day"])
        )
        return session.execute(stmt).rowcount == 1
    # MariaDB reports an upsert's no-op as one affected row (FOUND_ROWS), so the insert is
    # tried in a savepoint: a racing insert of the same key waits for the other to commit,
    # then fails with a duplicate key error, which here means "already stored".
    try:
        with session.begin_nested():
            session.execute(insert(table).values(**values))
    except IntegrityError as e:
        if getattr(e.orig, "args", (None,))[0] == DUPLICATE_KEY:
            return False
        raise
    return True


def add_snapshot(
    session: Session,
    workspace_id: int,
    day: date,
    followers: int | None,
    follows: int | None,
    media: int | None,
) -> None:
    """Add one newly stored taken snapshot to its workspace day (atomic increments, so
    workers snapshotting other accounts of the workspace at the same time all count)."""
    if followers is None:
        return  # not part of the sums: the day is missing for the workspace
    table = WorkspaceFollowerDay.__table__
    values = {
        "workspace_id": workspace_id,
        "day": day,
        "followers_count": followers,
        "follows_count": follows,
        "media_count": media,
        "accounts": 1,
    }
    changes = {
        "followers_count": table.c.followers_count + followers,
        "accounts": table.c.accounts + 1,
    }
    for name, value in (("follows_count", follows), ("media_count", media)):
        if value is not None:
            changes[name] = func.coalesce(table.c[name], 0) + value
    if _dialect(session) == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["workspace_id", "day"], set_=changes)
    else:
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(table).values(**values).on_duplicate_key_update(**changes)
    session.execute(stmt)


def rebuild(session: Session, workspace_id: int | None = None) -> int:
    """Recompute both roll-ups from the follower snapshots and account insights, for one
    workspace or all (the backfill, and the repair after an account and its rows were
    deleted); returns the number of days stored."""
    snap, ins = FollowerSnapshot, AccountInsightDay
    followers = select(
        snap.workspace_id,
        snap.day,
        func.sum(snap.followers_count),
        func.sum(snap.follows_count),
        func.sum(snap.media_count),
        func.count(),
    ).where(snap.status == SnapshotStatus.TAKEN.value, snap.followers_count.is_not(None))
    insights = select(
        ins.workspace_id, ins.day, *[func.sum(getattr(ins, c)) for c in ACCOUNT_METRIC_COLUMNS]
    )
    stored = 0
    for roll, source, source_model, columns in (
        (
            WorkspaceFollowerDay,
            followers,
            snap,
            ["followers_count", "follows_count", "media_count", "accounts"],
        ),
        (WorkspaceInsightDay, insights, ins, list(ACCOUNT_METRIC_COLUMNS)),
    ):
        gone = delete(roll).execution_options(synchronize_session=False)
        if workspace_id is not None:
            gone = gone.where(roll.workspace_id == workspace_id)
            source = source.where(source_model.workspace_id == workspace_id)
        session.execute(gone)
        result = session.execute(
            insert(roll).from_select(
                ["workspace_id", "day", *columns],
                source.group_by(source_model.workspace_id, source_model.day),
            )
        )
        stored += result.rowcount or 0
    return stored


def store_insight_days(session: Session, account, rows: list[dict]) -> int:
    """Store an account's insight days ({"day": ..., metric: value or None, ...}) and
    recompute its workspace's days from all its accounts' rows; returns the days stored.

    The workspace days are locked before the account's rows are written (in day order, so
    workers cannot deadlock): another worker storing the same days waits until this
    transaction commits, then sums this account's rows too. Called after the run's Instagram
    calls, so the locks are short.
    """
    if not rows:
        return 0
    ws = account.workspace_id
    days = sorted({r["day"] for r in rows})
    roll = WorkspaceInsightDay.__table__
    # The account row first, as removing an account locks it before rebuilding the roll-up:
    # the same order in both, so the two cannot deadlock.
    session.execute(
        select(InstagramAccount.id).where(InstagramAccount.id == account.id).with_for_update()
    )
    for day in days:
        if _dialect(session) == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(roll).values(workspace_id=ws, day=day)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "day"], set_={"day": roll.c.day}
            )
        else:
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            # A no-op update still takes the row's exclusive lock.
            stmt = mysql_insert(roll).values(workspace_id=ws, day=day)
            stmt = stmt.on_duplicate_key_update(day=roll.c.day)
        session.execute(stmt)
    for row in sorted(rows, key=lambda r: r["day"]):
        values = {"workspace_id": ws, "account_id": account.id, **row}
        upsert(session, AccountInsightDay, values, ("account_id", "day"))
    ins = AccountInsightDay
    sums = session.execute(
        select(ins.day, *[func.sum(getattr(ins, c)) for c in ACCOUNT_METRIC_COLUMNS])
        .where(ins.workspace_id == ws, ins.day.in_(days))
        .group_by(ins.day)
    ).all()
    for day, *values in sums:
        session.execute(
            update(WorkspaceInsightDay)
            .where(WorkspaceInsightDay.workspace_id == ws, WorkspaceInsightDay.day == day)
            .values(dict(zip(ACCOUNT_METRIC_COLUMNS, values, strict=True)))
            .execution_options(synchronize_session=False)
        )
    return len(rows)


def insight_rollup_days(
    session: Session, workspace_id: int, start: date, end: date
) -> dict[date, tuple]:
    """{day: (metric sums in ACCOUNT_METRIC_COLUMNS order)} of the insights roll-up."""
    roll = WorkspaceInsightDay
    rows = session.execute(
        select(roll.day, *[getattr(roll, c) for c in ACCOUNT_METRIC_COLUMNS]).where(
            roll.workspace_id == workspace_id, roll.day >= start, roll.day <= end
        )
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def first_days(session: Session, ids: list[int]) -> list[date]:
    """Each account's first snapshot day (taken or missing), sorted: the day it is tracked
    from (one index lookup per account)."""
    if not ids:
        return []
    snap = FollowerSnapshot
    return sorted(
        session.scalars(
            select(func.min(snap.day)).where(snap.account_id.in_(ids)).group_by(snap.account_id)
        ).all()
    )


def day_totals(firsts: list[date], by_day: dict[date, tuple]):
    """totals(day) -> (followers, follows, media) or None, and whether the day is missing,
    from {day: (followers, follows, media, accounts summed)}."""

    def totals(day: date) -> tuple[tuple | None, bool]:
        tracked = bisect_right(firsts, day)
        if not tracked:
            return None, False
        got = by_day.get(day)
        if got is None or got[3] < tracked:
            return None, True
        return got[:3], False

    return totals


def rollup_days(
    session: Session, workspace_id: int, start: date, end: date
) -> dict[date, tuple[int, int | None, int | None, int]]:
    """{day: (followers, follows, media, accounts)} of the roll-up from the day before
    `start` to `end` (one row per day)."""
    roll = WorkspaceFollowerDay
    rows = session.execute(
        select(roll.day, roll.followers_count, roll.follows_count, roll.media_count, roll.accounts)
        .where(
            roll.workspace_id == workspace_id,
            roll.day >= start - timedelta(days=1),
            roll.day <= end,
        )
        .order_by(roll.day)
    ).all()
    return {day: (int(f), _int(fw), _int(m), int(n)) for day, f, fw, m, n in rows}


def _int(value) -> int | None:
    return None if value is None else int(value)
