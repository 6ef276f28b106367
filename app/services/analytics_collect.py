"""Collecting analytics from Instagram: follower snapshots, account insights, media
insights and audience demographics, within the account's rate-limit state."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.instagram import ErrorKind, InstagramClient, InstagramError
from app.models import (
    AccountStatus,
    AnalyticsState,
    FollowerSnapshot,
    InstagramAccount,
    ProfileSnapshot,
    Workspace,
    utcnow,
)
from app.models.analytics import SnapshotStatus
from app.services import analytics_parse as parse
from app.services import analytics_rollup as rollup
from app.services.analytics import (
    FOLLOWER_RETENTION_DAYS,
    day_bounds,
    insert_ignore,
    local_day,
    zone,
)
from app.services.analytics_media import collect_audience, collect_media_insights, refresh_media
from app.services.crypto import TokenCryptoError
from app.services.instagram import read_token

log = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "user_id,username,name,account_type,profile_picture_url,"
    "followers_count,follows_count,media_count"
)
INSIGHT_DAYS = 3  # Instagram's figures settle within 48 hours: re-read the last 3 days.
MEDIA_LIST_EVERY = timedelta(hours=3)
AUDIENCE_EVERY = timedelta(days=7)
SLOW_DOWN_PERCENT = 75  # fact sheet §10.4
STOP_PERCENT = 95


class Stop(Exception):
    """Stop this account's run: the token is dead or Instagram asked to wait."""


def due_snapshots(session: Session, hour: int, now: datetime | None = None) -> list[int]:
    """Accounts to snapshot now: never snapshotted (just connected), or not yet today
    once the workspace's local time has passed `hour`."""
    now = now or utcnow()
    last = (
        select(FollowerSnapshot.account_id, func.max(FollowerSnapshot.day).label("last_day"))
        .group_by(FollowerSnapshot.account_id)
        .subquery()
    )
    rows = session.execute(
        select(InstagramAccount.id, Workspace.timezone, last.c.last_day)
        .join(Workspace, Workspace.id == InstagramAccount.workspace_id)
        .outerjoin(last, last.c.account_id == InstagramAccount.id)
        .where(
            InstagramAccount.status == AccountStatus.ACTIVE.value,
            InstagramAccount.token_ciphertext.is_not(None),
        )
        .order_by(InstagramAccount.id)
    ).all()
    due = []
    for account_id, tz_name, last_day in rows:
        today = local_day(tz_name, now)
        if last_day is None:
            due.append(account_id)
        elif last_day < today:
            local_hour = now.astimezone(zone(tz_name)).hour
            if local_hour >= hour:
                due.append(account_id)
    return due


def store_snapshot(
    session: Session, account: InstagramAccount, day: date, profile, now: datetime | None = None
) -> None:
    """Store the day's follower and profile snapshot (once: a second call changes nothing)
    and record the days since the previous snapshot as missing."""
    now = now or utcnow()
    counts = {
        "followers_count": profile.followers_count,
        "follows_count": profile.follows_count,
        "media_count": profile.media_count,
    }
    # Update the account's cached counts first: a changed row is locked before the inserts,
    # so racing workers queue on it instead of deadlocking (the inserts' foreign-key checks
    # share-lock the same account row on MariaDB).
    for name, value in counts.items():
        if value is not None:
            setattr(account, name, value)
    session.flush()
    previous = session.scalar(
        select(func.max(FollowerSnapshot.day)).where(
            FollowerSnapshot.account_id == account.id, FollowerSnapshot.day < day
        )
    )
    if previous is not None:
        first_gap = max(previous + timedelta(days=1), day - timedelta(FOLLOWER_RETENTION_DAYS - 1))
        gap = first_gap
        while gap < day:
            insert_ignore(
                session,
                FollowerSnapshot,
                {
                    "workspace_id": account.workspace_id,
                    "account_id": account.id,
                    "day": gap,
                    "status": SnapshotStatus.MISSING.value,
                    "taken_at": now,
                },
                ("account_id", "day"),
            )
            gap += timedelta(days=1)
    base = {
        "workspace_id": account.workspace_id,
        "account_id": account.id,
        "day": day,
        "taken_at": now,
    }
    # The workspace's daily roll-up counts the snapshot in this same transaction, once: only
    # the call that actually stored the day's row adds it.
    if rollup.insert_once(session, {**base, **counts, "status": SnapshotStatus.TAKEN.value}):
        rollup.add_snapshot(
            session,
            account.workspace_id,
            day,
            profile.followers_count,
            profile.follows_count,
            profile.media_count,
        )
    insert_ignore(
        session,
        ProfileSnapshot,
        {
            **base,
            **counts,
            "username": (profile.username or account.username)[:64],
            "name": (profile.name or None) and profile.name[:255],
            "biography": profile.biography,
            "profile_picture_url": profile.profile_picture_url,
        },
        ("account_id", "day"),
    )


def read_profile(client: InstagramClient, token: str):
    """/me with the biography where Instagram serves it (UNCONFIRMED field, §2)."""
    try:
        return client.get_profile(token, fields=PROFILE_FIELDS + ",biography")
    except InstagramError as e:
        if e.kind is not ErrorKind.BAD_INPUT:
            raise
        return client.get_profile(token, fields=PROFILE_FIELDS)


def read_account_insights(
    client: InstagramClient, token: str, tz_name: str, today: date, into: list[dict]
) -> None:
    """Read the last 3 complete local days of account insights, appending each day's row to
    `into` as it arrives (what was read before an error is still stored)."""
    for back in range(1, INSIGHT_DAYS + 1):
        day = today - timedelta(days=back)
        since, until = day_bounds(tz_name, day)
        data = client.get_account_insights(
            token,
            metrics=parse.ACCOUNT_DAY_METRICS,
            period="day",
            metric_type="total_value",
            since=since,
            until=until,
        )
        values = parse.metrics_by_name(data)
        follows = unfollows = None
        try:
            follows, unfollows = parse.follows_unfollows(
                client.get_account_insights(
                    token,
                    metrics=[parse.FOLLOWS_METRIC],
                    period="day",
                    metric_type="total_value",
                    breakdown="follow_type",
                    since=since,
                    until=until,
                )
            )
        except InstagramError as e:
            # Under 100 followers the breakdown is refused: follows stay "not available".
            if e.kind not in (ErrorKind.BAD_INPUT, ErrorKind.UNKNOWN, ErrorKind.PERMISSION):
                raise
        row = {name: values.get(name) for name in parse.ACCOUNT_DAY_METRICS}
        into.append(
            {"day": day, **row, "follows": follows, "unfollows": unfollows, "fetched_at": utcnow()}
        )


def _state(session: Session, account: InstagramAccount) -> AnalyticsState:
    state = session.scalar(select(AnalyticsState).where(AnalyticsState.account_id == account.id))
    if state is None:
        state = AnalyticsState(workspace_id=account.workspace_id, account_id=account.id, failures=0)
        session.add(state)
        session.flush()
    return state


def _token(session: Session, settings, account: InstagramAccount) -> str:
    from app.services.accounts import mark_token_dead

    try:
        return read_token(settings, account)
    except TokenCryptoError:
        mark_token_dead(session, account, "token_unreadable")
        raise Stop from None


def handle_error(
    session: Session, account, state: AnalyticsState, error: InstagramError, now: datetime
) -> None:
    """What an error means for the run: dead token -> reconnect; throttled or transient ->
    wait (Instagram's estimate, else exponential back-off)."""
    from app.services.accounts import mark_token_dead

    state.last_error = error.message_key[:64]
    if error.kind is ErrorKind.TOKEN_DEAD:
        mark_token_dead(session, account, error.message_key)
        return
    state.failures = (state.failures or 0) + 1
    wait = error.retry_after_seconds or min(2**state.failures * 60, 6 * 3600)
    state.retry_at = now + timedelta(seconds=wait)
    log.warning(
        "analytics collection deferred",
        extra={"account": account.id, "err": repr(error), "wait": wait},
    )


def run_snapshot(
    session: Session, settings, client: InstagramClient, account, *, now: datetime | None = None
) -> bool:
    """Snapshot one account for its local today; False when it could not."""
    now = now or utcnow()
    state = _state(session, account)
    tz_name = session.get(Workspace, account.workspace_id).timezone
    try:
        profile = read_profile(client, _token(session, settings, account))
    except Stop:
        return False
    except InstagramError as e:
        handle_error(session, account, state, e, now)
        return False
    store_snapshot(session, account, local_day(tz_name, now), profile, now)
    state.failures = 0
    return True


def run_collection(
    session: Session, settings, client: InstagramClient, account, *, now: datetime | None = None
) -> dict[str, int]:
    """Collect whatever is due for one account, slowing down above 75 % usage."""
    insight_rows: list[dict] = []
    done = _collect(session, settings, client, account, now or utcnow(), insight_rows)
    # Stored after the run's last Instagram call: storing locks the workspace's roll-up days,
    # and the job commits right after, so other workers wait for milliseconds, not for HTTP.
    done["insight_days"] = rollup.store_insight_days(session, account, insight_rows)
    return done


def _collect(
    session: Session, settings, client, account, now: datetime, insight_rows: list[dict]
) -> dict[str, int]:
    state = _state(session, account)
    tz_name = session.get(Workspace, account.workspace_id).timezone
    today = local_day(tz_name, now)
    usage = account.usage_percent or 0
    done = {"insight_days": 0, "media_listed": 0, "media_read": 0, "audience": 0}
    if usage >= STOP_PERCENT:
        return done
    slow = usage > SLOW_DOWN_PERCENT
    try:
        token = _token(session, settings, account)
        if state.insights_day != today:
            read_account_insights(client, token, tz_name, today, insight_rows)
            state.insights_day = today
        list_every = MEDIA_LIST_EVERY * (4 if slow else 1)
        if state.media_list_at is None or state.media_list_at <= now - list_every:
            done["media_listed"] = refresh_media(session, client, account, token, now)
            state.media_list_at = now
        done["media_read"] = collect_media_insights(
            session, client, account, token, now, limit=3 if slow else 25
        )
        if not slow and (state.audience_at is None or state.audience_at <= now - AUDIENCE_EVERY):
            done["audience"] = collect_audience(session, client, account, token, now)
            state.audience_at = now
    except Stop:
        return done
    except InstagramError as e:
        handle_error(session, account, state, e, now)
        return done
    state.failures = 0
    state.last_error = None
    return done
