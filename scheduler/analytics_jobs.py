"""Analytics jobs: daily follower snapshots, insights collection and retention.

Each account is worked under a short lease (analytics_state) committed before any Instagram
call, so several scheduler processes never collect the same account at once; the unique
(account, day) key still keeps one snapshot per day if they ever did.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import AccountStatus, InstagramAccount, utcnow
from app.services.analytics import claim, ensure_state, purge_old, release
from app.services.analytics_collect import due_snapshots, run_collection, run_snapshot
from scheduler.jobs import WORKER_ID, _in_app

log = logging.getLogger("kezek.scheduler")

COLLECT_BATCH = 10


def _client():
    from app.services.instagram import make_client, usage_recorder

    return make_client(current_app.config["SETTINGS"], on_usage=usage_recorder(db.session))


def _each_claimed(account_ids, work, now) -> int:
    """Run `work(account)` for every account this worker can lease; commit per account."""
    session = db.session
    done = 0
    for account_id in account_ids:
        account = session.get(InstagramAccount, account_id)
        if account is None:
            continue
        ensure_state(session, account)
        if not claim(session, account_id, WORKER_ID, now):
            session.rollback()
            continue
        session.commit()
        try:
            if work(account):
                done += 1
        except Exception:
            session.rollback()
            log.exception("analytics failed", extra={"account": account_id})
        finally:
            release(session, account_id, WORKER_ID)
            session.commit()
    return done


def take_snapshots(now=None) -> int:
    """Snapshot accounts just connected, and every account once a day after the set hour."""
    settings = current_app.config["SETTINGS"]
    now = now or utcnow()
    ids = due_snapshots(db.session, settings.ANALYTICS_SNAPSHOT_HOUR, now)
    db.session.commit()
    client = _client()
    return _each_claimed(ids, lambda a: run_snapshot(db.session, settings, client, a, now=now), now)


def collect(now=None) -> int:
    """Account insights (daily), media insights (falling schedule), audience (weekly)."""
    settings = current_app.config["SETTINGS"]
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(InstagramAccount.id)
            .where(
                InstagramAccount.status == AccountStatus.ACTIVE.value,
                InstagramAccount.token_ciphertext.is_not(None),
            )
            .order_by(InstagramAccount.id)
        )
    )
    db.session.commit()
    client = _client()
    return _each_claimed(
        ids,
        lambda a: any(run_collection(db.session, settings, client, a, now=now).values()),
        now,
    )


@_in_app
def analytics_snapshots() -> None:
    """Scheduler entry: take the follower snapshots that are due."""
    take_snapshots()


@_in_app
def analytics_collect() -> None:
    """Scheduler entry: collect the insights that are due."""
    collect()


@_in_app
def analytics_purge() -> None:
    """Scheduler entry: delete snapshots past their retention."""
    counts = purge_old(db.session)
    if any(counts.values()):
        log.info("analytics purge", extra=counts)
