"""The one retention policy: every period in settings, applied by one daily job."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, desc, or_, select, update
from sqlalchemy.orm import Session

from app.models import (
    AccountStatus,
    ApiToken,
    AuditLog,
    DeletionRequest,
    ExportJob,
    InstagramAccount,
    LoginAttempt,
    RetentionRun,
    utcnow,
)
from app.models.privacy import DeletionState

log = logging.getLogger("kezek.privacy")


@dataclass(frozen=True)
class Rule:
    """One line of the retention table: what is removed, after which setting's period."""

    key: str
    setting: str
    unit: str  # "days" or "hours"


RULES = (
    Rule("inbox", "INBOX_RETENTION_DAYS", "days"),
    Rule("follower_snapshots", "FOLLOWER_SNAPSHOT_RETENTION_DAYS", "days"),
    Rule("profile_snapshots", "PROFILE_SNAPSHOT_RETENTION_DAYS", "days"),
    Rule("audit_log", "AUDIT_LOG_RETENTION_DAYS", "days"),
    Rule("dead_tokens", "DEAD_TOKEN_RETENTION_DAYS", "days"),
    Rule("deauthorized_accounts", "DELETED_ACCOUNT_GRACE_DAYS", "days"),
    Rule("uploads", "UPLOAD_ORPHAN_HOURS", "hours"),
    Rule("exports", "EXPORT_RETENTION_HOURS", "hours"),
    Rule("deletion_records", "DELETION_RECORD_RETENTION_DAYS", "days"),
)


def period(settings, rule: Rule) -> timedelta:
    value = getattr(settings, rule.setting)
    return timedelta(days=value) if rule.unit == "days" else timedelta(hours=value)


def purge_audit(session: Session, settings, now: datetime) -> int:
    """Audit events and sign-in attempts older than AUDIT_LOG_RETENTION_DAYS."""
    cutoff = now - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
    n = session.execute(delete(AuditLog).where(AuditLog.created_at < cutoff)).rowcount or 0
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff))
    return n


def purge_dead_tokens(session: Session, settings, now: datetime) -> int:
    """Revoked or expired API tokens, and Instagram tokens dead or expired, past the period."""
    cutoff = now - timedelta(days=settings.DEAD_TOKEN_RETENTION_DAYS)
    n = (
        session.execute(
            delete(ApiToken).where(or_(ApiToken.revoked_at < cutoff, ApiToken.expires_at < cutoff))
        ).rowcount
        or 0
    )
    n += (
        session.execute(
            update(InstagramAccount)
            .where(
                InstagramAccount.token_ciphertext.is_not(None),
                or_(
                    InstagramAccount.token_expires_at < cutoff,
                    (InstagramAccount.status != AccountStatus.ACTIVE.value)
                    & (InstagramAccount.updated_at < cutoff),
                ),
            )
            .values(token_ciphertext=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    return n


def purge_exports(session: Session, settings, now: datetime) -> int:
    """Export files (and their rows) past EXPORT_RETENTION_HOURS or already downloaded."""
    stale = now - timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    jobs = session.scalars(
        select(ExportJob).where(
            or_(
                ExportJob.expires_at < now,
                ExportJob.downloaded_at.is_not(None),
                (ExportJob.expires_at.is_(None)) & (ExportJob.created_at < stale),
            )
        )
    ).all()
    root = Path(settings.MEDIA_DIR)
    for job in jobs:
        if job.file_path:
            (root / job.file_path).unlink(missing_ok=True)
        session.delete(job)
    session.flush()
    return len(jobs)


def purge_deletion_records(session: Session, settings, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.DELETION_RECORD_RETENTION_DAYS)
    return (
        session.execute(
            delete(DeletionRequest).where(
                DeletionRequest.state == DeletionState.COMPLETED.value,
                DeletionRequest.completed_at < cutoff,
            )
        ).rowcount
        or 0
    )


def _total(value) -> int:
    if isinstance(value, dict):
        return sum(_total(v) for v in value.values())
    if isinstance(value, list):
        return len(value)
    return int(value or 0)


def apply_all(session: Session, settings, now: datetime | None = None, worker_id: str = "") -> dict:
    """Apply every rule once; other areas' purges are called, not duplicated."""
    from app.services.analytics import purge_old
    from app.services.inbox_sync import purge_expired
    from app.services.media_lifecycle import purge_unused, sweep_orphans
    from app.services.privacy import carry_out, claim_due

    now = now or utcnow()
    inbox = purge_expired(session, settings, now)
    analytics = purge_old(session, now, settings)
    deauthorized = 0
    for request_id in claim_due(session, worker_id or "retention", now):
        found = carry_out(session, settings, request_id, worker_id or "retention") or {}
        deauthorized += found.get("accounts", 0)
    counts = {
        "inbox": _total(inbox),
        "follower_snapshots": analytics["follower_snapshots"] + analytics["account_insights"],
        "profile_snapshots": analytics["profile_snapshots"],
        "audit_log": purge_audit(session, settings, now),
        "dead_tokens": purge_dead_tokens(session, settings, now),
        "deauthorized_accounts": deauthorized,
        "uploads": len(purge_unused(session, settings, now))
        + len(sweep_orphans(session, settings, now.timestamp())),
        "exports": purge_exports(session, settings, now),
        "deletion_records": purge_deletion_records(session, settings, now),
    }
    session.flush()
    return counts


def run_retention(session: Session, settings, now: datetime | None = None, worker_id: str = ""):
    """Apply the policy and record the run (the daily job; the caller commits)."""
    run = RetentionRun(started_at=utcnow())
    session.add(run)
    session.flush()
    run.counts = apply_all(session, settings, now, worker_id)
    run.finished_at = utcnow()
    session.flush()
    log.info("retention run", extra=run.counts)
    return run


def last_run(session: Session) -> RetentionRun | None:
    return session.scalar(select(RetentionRun).order_by(desc(RetentionRun.id)).limit(1))


def table(settings) -> list[tuple[Rule, int]]:
    """(rule, value in its unit) for the admin page and the policy page."""
    return [(r, getattr(settings, r.setting)) for r in RULES]
