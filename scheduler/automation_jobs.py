"""Automation jobs: evaluate queued comments and messages, end flows nobody answered."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from app.extensions import db
from scheduler.jobs import _client, _in_app

log = logging.getLogger("kezek.scheduler")

EVENTS_PER_RUN = 20


def run_automations_once(session, settings, client, now=None) -> int:
    """Claim due events (committed, so other workers skip them), then evaluate each and
    commit after each one: a reply is never sent twice because of a later failure."""
    from app.services.automations.engine import claim_due, run_event

    ids = claim_due(session, now=now, limit=EVENTS_PER_RUN)
    session.commit()
    for event_id in ids:
        run_event(session, settings, client, event_id)
        session.commit()
    return len(ids)


@_in_app
def run_automations() -> None:
    """Evaluate new comments, DMs, story replies/mentions and button taps against the rules."""
    n = run_automations_once(db.session, current_app.config["SETTINGS"], _client(db.session))
    if n:
        log.info("automation events evaluated", extra={"events": n})


@_in_app
def automation_housekeeping() -> None:
    """Time out unanswered flow questions; forget old queue rows and hourly counters."""
    from app.models import AutomationEvent, AutomationQuota, utcnow
    from app.services.automations.flows import expire_runs

    now = utcnow()
    expire_runs(db.session, now)
    db.session.execute(
        delete(AutomationEvent).where(
            AutomationEvent.status != "pending",
            AutomationEvent.created_at < now - timedelta(days=7),
        )
    )
    db.session.execute(
        delete(AutomationQuota).where(AutomationQuota.hour < now - timedelta(days=2))
    )
