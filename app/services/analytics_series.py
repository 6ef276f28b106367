"""Follower series for pages, exports and the API (always scoped to one workspace).

The rule for a missing day is analytics_rollup's: a day any tracked account has no taken
snapshot with a follower count is a gap, never a smaller total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import FollowerSnapshot, InstagramAccount
from app.models.analytics import SnapshotStatus
from app.services import analytics_rollup as rollup
from app.services.workspaces import scoped


@dataclass
class Point:
    """One day of a follower series; None = no figure (missing or not tracked yet)."""

    day: date
    followers: int | None
    follows: int | None
    media_count: int | None
    net_change: int | None
    missing: bool


def account_ids(session: Session, workspace_id: int, account_id: int | None = None) -> list[int]:
    """The workspace's account ids, or just `account_id` when it is one of them."""
    stmt = scoped(InstagramAccount, workspace_id).with_only_columns(InstagramAccount.id)
    if account_id is not None:
        stmt = stmt.where(InstagramAccount.id == account_id)
    return list(session.scalars(stmt.order_by(InstagramAccount.id)))


def account_ids_in(session: Session, workspace_id: int, ids: list[int]) -> list[int]:
    """The ids among `ids` that are accounts of the workspace."""
    return list(
        session.scalars(
            select(InstagramAccount.id).where(
                InstagramAccount.workspace_id == workspace_id, InstagramAccount.id.in_(ids)
            )
        )
    )


def days_between(start: date, end: date) -> list[date]:
    """Every day from start to end inclusive (empty when start is after end)."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def follower_series(
    session: Session, workspace_id: int, ids: list[int], start: date, end: date
) -> list[Point]:
    """Followers per day, summed over the accounts' snapshots in the database (one row per
    day comes back); a day any tracked account missed is a gap (rule: analytics_rollup)."""
    if not ids or start > end:
        return []
    snap = FollowerSnapshot
    # Scope the ids first; the snapshot queries then use only the (account_id, day) index.
    ids = account_ids_in(session, workspace_id, ids)
    if not ids:
        return []
    rows = session.execute(
        select(
            snap.day,
            func.sum(snap.followers_count),
            func.sum(snap.follows_count),
            func.sum(snap.media_count),
            func.count(),
        )
        .where(
            snap.account_id.in_(ids),
            snap.day >= start - timedelta(days=1),
            snap.day <= end,
            snap.status == SnapshotStatus.TAKEN.value,
            snap.followers_count.is_not(None),
        )
        .group_by(snap.day)
    ).all()
    by_day = {day: (int(f), _int(fw), _int(m), n) for day, f, fw, m, n in rows}
    return _points(rollup.day_totals(rollup.first_days(session, ids), by_day), start, end)


def workspace_follower_series(
    session: Session, workspace_id: int, start: date, end: date
) -> list[Point]:
    """The whole workspace's followers per day from the daily roll-up: the same figures as
    follower_series over all its accounts, reading one row per day."""
    if start > end:
        return []
    ids = account_ids(session, workspace_id)
    if not ids:
        return []
    by_day = rollup.rollup_days(session, workspace_id, start, end)
    return _points(rollup.day_totals(rollup.first_days(session, ids), by_day), start, end)


def scope_series(
    session: Session, workspace_id: int, account_id: int | None, start: date, end: date
) -> list[Point]:
    """One account's series, or the whole workspace's (account_id None) from the roll-up."""
    if account_id is None:
        return workspace_follower_series(session, workspace_id, start, end)
    return follower_series(session, workspace_id, [account_id], start, end)


def account_series(
    session: Session, workspace_id: int, ids: list[int], start: date, end: date
) -> dict[int, list[Point]]:
    """{account id: its series}, the same as follower_series for each account alone, in two
    queries for all of them (the API overview lists every account)."""
    ids = account_ids_in(session, workspace_id, ids) if ids else []
    if not ids or start > end:
        return {}
    snap = FollowerSnapshot
    firsts = dict(
        session.execute(
            select(snap.account_id, func.min(snap.day))
            .where(snap.account_id.in_(ids))
            .group_by(snap.account_id)
        ).all()
    )
    rows = session.execute(
        select(
            snap.account_id, snap.day, snap.followers_count, snap.follows_count, snap.media_count
        ).where(
            snap.account_id.in_(ids),
            snap.day >= start - timedelta(days=1),
            snap.day <= end,
            snap.status == SnapshotStatus.TAKEN.value,
            snap.followers_count.is_not(None),
        )
    ).all()
    by_account: dict[int, dict] = {a: {} for a in ids}
    for account_id, day, followers, follows, media in rows:
        by_account[account_id][day] = (followers, follows, media, 1)
    return {
        a: _points(rollup.day_totals([firsts[a]] if a in firsts else [], by_account[a]), start, end)
        for a in ids
    }


def _points(totals, start: date, end: date) -> list[Point]:
    points = []
    previous, _ = totals(start - timedelta(days=1))
    for day in days_between(start, end):
        current, missing = totals(day)
        change = current[0] - previous[0] if current and previous else None
        points.append(Point(day, *(current or (None, None, None)), change, missing))
        previous = current
    return points


def _int(value) -> int | None:
    return None if value is None else int(value)


def overview(series: list[Point]) -> dict:
    """Followers now and the change over 1, 7 and 30 days (None when a day is unknown)."""
    known = [p for p in series if p.followers is not None]
    if not known:
        return {"followers": None, "change_1": None, "change_7": None, "change_30": None}
    last = known[-1]
    by_day = {p.day: p.followers for p in series}
    out = {"followers": last.followers, "as_of": last.day}
    for n in (1, 7, 30):
        before = by_day.get(last.day - timedelta(days=n))
        out[f"change_{n}"] = last.followers - before if before is not None else None
    return out
