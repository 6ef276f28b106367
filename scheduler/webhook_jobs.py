"""Outgoing webhooks: send due deliveries (logic in app.services.outgoing_webhooks.sending)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

from app.extensions import db
from scheduler.jobs import _in_app

log = logging.getLogger("kezek.scheduler")

PER_RUN = 50
THREADS = 16


def deliver_webhooks_once(session, settings, now=None, limit: int = PER_RUN) -> dict:
    """Claim due deliveries (committed), POST them a few at a time, commit the outcomes.

    Only the HTTP calls run in threads; every database read and write stays on `session`, so a
    slow receiver holds up nobody for longer than OUTGOING_WEBHOOKS_TIMEOUT_SECONDS.
    """
    from app.services.outgoing_webhooks import sending

    ids = sending.claim_due(session, now=now, limit=limit)
    session.commit()
    requests = [r for r in (sending.prepare(session, settings, i, now) for i in ids) if r]
    session.commit()
    counts = {"claimed": len(ids), "delivered": 0, "retrying": 0, "failed": 0}
    if not requests:
        return counts
    with ThreadPoolExecutor(max_workers=min(THREADS, len(requests))) as pool:
        outcomes = list(pool.map(lambda r: sending.post(settings, r), requests))
    for req, outcome in zip(requests, outcomes, strict=True):
        status = sending.record(session, req.delivery_id, outcome, now)
        key = "retrying" if status == "pending" else status
        counts[key] = counts.get(key, 0) + 1
    session.commit()
    return counts


@_in_app
def deliver_webhooks() -> None:
    """Send the workspace events that are due to their endpoints."""
    counts = deliver_webhooks_once(db.session, current_app.config["SETTINGS"])
    if counts["claimed"]:
        log.info("webhooks delivered", extra=counts)


@_in_app
def purge_webhook_deliveries() -> None:
    """Forget delivered and failed deliveries older than 30 days."""
    from app.services.outgoing_webhooks.sending import purge

    purge(db.session)
