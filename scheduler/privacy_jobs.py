"""Privacy jobs: Meta's deletion requests (every minute), exports, and the daily retention."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from scheduler.jobs import WORKER_ID, _in_app

log = logging.getLogger("kezek.scheduler")


def run_deletion_requests(now=None) -> int:
    """Claim due deletion requests, then carry out each in its own transaction."""
    from app.services.privacy import carry_out, claim_due

    settings = current_app.config["SETTINGS"]
    ids = claim_due(db.session, WORKER_ID, now)
    db.session.commit()
    done = 0
    for request_id in ids:
        try:
            if carry_out(db.session, settings, request_id, WORKER_ID) is not None:
                done += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("deletion request failed", extra={"request": request_id})
    return done


def run_exports(limit: int = 1) -> int:
    """Build pending exports, committing progress as the ZIP grows."""
    from app.models.privacy import ExportState
    from app.services.export import build_export, claim_export

    settings = current_app.config["SETTINGS"]
    built = 0
    for _ in range(limit):
        job = claim_export(db.session, WORKER_ID)
        db.session.commit()
        if job is None:
            break

        def progress(percent: int, job=job) -> None:
            job.progress = min(percent, 99)
            db.session.commit()

        try:
            build_export(db.session, settings, job, progress)
            db.session.commit()
            built += 1
        except Exception:
            db.session.rollback()
            log.exception("export failed", extra={"export": job.id})
            job.state = ExportState.FAILED.value
            job.error = "build_failed"
            job.lease_owner = job.lease_until = None
            db.session.commit()
    return built


@_in_app
def deletion_requests() -> None:
    """Scheduler entry: Meta's data-deletion requests are carried out within a minute."""
    run_deletion_requests()


@_in_app
def data_exports() -> None:
    """Scheduler entry: build the next pending export."""
    run_exports()


@_in_app
def retention() -> None:
    """Scheduler entry: apply every retention period once (daily)."""
    from app.services.retention import run_retention

    run_retention(db.session, current_app.config["SETTINGS"], worker_id=WORKER_ID)
