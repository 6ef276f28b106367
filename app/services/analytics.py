"""Analytics: shared helpers (local days, insert-or-ignore, leases) and retention.

Split modules: analytics_collect (snapshots and insights from Instagram), analytics_queries
(series, overview, post performance, audience), analytics_best_time, analytics_export.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from app.models import (
    AccountInsightDay,
    AnalyticsState,
    FollowerSnapshot,
    ProfileSnapshot,
    Workspace,
    WorkspaceFollowerDay,
    WorkspaceInsightDay,
    utcnow,
)

# Follower history is kept 729 days (the longest chart range), profiles 30 days.
FOLLOWER_RETENTION_DAYS = 729
PROFILE_RETENTION_DAYS = 30
LEASE_SECONDS = 300


def zone(tz_name: str | None) -> ZoneInfo:
    """The workspace's timezone (UTC when the name is unknown)."""
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(tz_name: str | None, now: datetime | None = None) -> date:
    """Today's date in a timezone."""
    return (now or utcnow()).astimezone(zone(tz_name)).date()


def day_bounds(tz_name: str | None, day: date) -> tuple[int, int]:
    """Unix seconds of a local day's start and of the next day's start."""
    tz = zone(tz_name)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return int(start.timestamp()), int(end.timestamp())


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_ignore(session: Session, model, values: dict, keys: tuple[str, ...]) -> None:
    """INSERT a row unless one with the same unique `keys` exists (SQLite and MariaDB).

    The unique constraint decides, not a prior SELECT, so two workers racing store one row.
    """
    table = model.__table__
    if _dialect(session) == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    else:
        from sqlalchemy.dialects.mysql import insert

        # A no-op update instead of INSERT IGNORE, which would also hide other errors.
        stmt = insert(table).values(**values).on_duplicate_key_update(id=table.c.id)
    session.execute(stmt)


def upsert(session: Session, model, values: dict, keys: tuple[str, ...]) -> None:
    """INSERT a row, or update its non-key columns when the unique `keys` exist."""
    table = model.__table__
    changes = {k: v for k, v in values.items() if k not in keys and k != "workspace_id"}
    if _dialect(session) == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=changes)
    else:
        from sqlalchemy.dialects.mysql import insert

        stmt = insert(table).values(**values).on_duplicate_key_update(**changes)
    session.execute(stmt)


def ensure_state(session: Session, account) -> None:
    """Create the account's analytics state row if it has none."""
    insert_ignore(
        session,
        AnalyticsState,
        {"workspace_id": account.workspace_id, "account_id": account.id, "failures": 0},
        ("account_id",),
    )


def claim(session: Session, account_id: int, owner: str, now: datetime | None = None) -> bool:
    """Take the account's lease for one collection run; False when another worker holds it
    or the account is backing off. The caller commits so other workers see the lease."""
    now = now or utcnow()
    result = session.execute(
        update(AnalyticsState)
        .where(
            AnalyticsState.account_id == account_id,
            or_(AnalyticsState.lease_until.is_(None), AnalyticsState.lease_until < now),
            or_(AnalyticsState.retry_at.is_(None), AnalyticsState.retry_at <= now),
        )
        .values(lease_owner=owner[:64], lease_until=now + timedelta(seconds=LEASE_SECONDS))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release(session: Session, account_id: int, owner: str) -> None:
    """Give the lease back."""
    session.execute(
        update(AnalyticsState)
        .where(
            and_(AnalyticsState.account_id == account_id, AnalyticsState.lease_owner == owner[:64])
        )
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def purge_old(session: Session, now: datetime | None = None, settings=None) -> dict[str, int]:
    """Delete follower snapshots and account insights (and the workspace roll-ups of both) 729
    days old or older, profile snapshots 30 days old or older (days counted in each
    workspace's timezone).

    With `settings` (the privacy retention job) the periods are
    FOLLOWER_SNAPSHOT_RETENTION_DAYS and PROFILE_SNAPSHOT_RETENTION_DAYS."""
    now = now or utcnow()
    follower_days = getattr(settings, "FOLLOWER_SNAPSHOT_RETENTION_DAYS", FOLLOWER_RETENTION_DAYS)
    profile_days = getattr(settings, "PROFILE_SNAPSHOT_RETENTION_DAYS", PROFILE_RETENTION_DAYS)
    by_zone: dict[str, list[int]] = {}
    for ws_id, tz_name in session.execute(select(Workspace.id, Workspace.timezone)):
        by_zone.setdefault(tz_name or "UTC", []).append(ws_id)
    counts = {
        "follower_snapshots": 0,
        "account_insights": 0,
        "profile_snapshots": 0,
        "workspace_follower_days": 0,
        "workspace_insight_days": 0,
    }
    for tz_name, ids in by_zone.items():
        today = local_day(tz_name, now)
        for name, model, keep in (
            ("follower_snapshots", FollowerSnapshot, follower_days),
            ("account_insights", AccountInsightDay, follower_days),
            ("profile_snapshots", ProfileSnapshot, profile_days),
            # The workspace roll-up keeps exactly the days of the snapshots it sums.
            ("workspace_follower_days", WorkspaceFollowerDay, follower_days),
            ("workspace_insight_days", WorkspaceInsightDay, follower_days),
        ):
            result = session.execute(
                delete(model)
                .where(model.workspace_id.in_(ids), model.day <= today - timedelta(days=keep))
                .execution_options(synchronize_session=False)
            )
            counts[name] += result.rowcount or 0
    return counts
