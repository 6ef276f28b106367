"""Meta's data-deletion and deauthorize callbacks, and the worker that carries them out."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import AccountStatus, DeletionRequest, InstagramAccount, utcnow
from app.models.privacy import DeletionSource, DeletionState
from app.services import audit
from app.services.deletion import delete_account_data

log = logging.getLogger("kezek.privacy")

LEASE = timedelta(minutes=10)
BATCH = 20


def new_code() -> str:
    """An alphanumeric confirmation code (Meta shows it to the person)."""
    return secrets.token_hex(12).upper()


def status_url(settings, code: str) -> str:
    """The public status page of a deletion request."""
    return f"{settings.PUBLIC_BASE_URL}/data-deletion/status?code={code}"


def _accounts_of(session: Session, ig_user_id: str) -> list[InstagramAccount]:
    # Which id Meta sends (IG_ID or app-scoped) is unconfirmed: match both.
    return list(
        session.scalars(
            select(InstagramAccount).where(
                or_(
                    InstagramAccount.ig_user_id == ig_user_id,
                    InstagramAccount.app_scoped_id == ig_user_id,
                )
            )
        )
    )


def record_deletion_request(
    session: Session,
    raw: str,
    ig_user_id: str,
    *,
    ip: str = "",
    source: str = DeletionSource.DATA_DELETION.value,
    due_at: datetime | None = None,
) -> DeletionRequest:
    """Store a verified request; the worker deletes the data when it is due."""
    now = utcnow()
    req = DeletionRequest(
        confirmation_code=new_code(),
        source=source,
        ig_user_id=ig_user_id[:64],
        raw_payload=raw,
        state=DeletionState.RECEIVED.value,
        received_at=now,
        due_at=due_at or now,
        attempts=0,
    )
    session.add(req)
    audit.record(
        session,
        f"meta_{source}",
        username="",
        ip=ip,
        detail={"confirmation_code": req.confirmation_code},
    )
    session.flush()
    return req


def deauthorize(session: Session, settings, raw: str, ig_user_id: str, *, ip: str = "") -> int:
    """The person removed Kezek on Instagram: delete tokens now, the data after the grace."""
    accounts = _accounts_of(session, ig_user_id)
    for account in accounts:
        account.token_ciphertext = None
        account.token_expires_at = None
        account.status = AccountStatus.DISCONNECTED.value
        account.webhook_subscribed = False
        audit.record(
            session,
            "account_deauthorized",
            username="",
            workspace_id=account.workspace_id,
            ip=ip,
            detail={"username": account.username},
        )
    record_deletion_request(
        session,
        raw,
        ig_user_id,
        ip=ip,
        source=DeletionSource.DEAUTHORIZE.value,
        due_at=utcnow() + timedelta(days=settings.DELETED_ACCOUNT_GRACE_DAYS),
    )
    return len(accounts)


def find_request(session: Session, code: str) -> DeletionRequest | None:
    """A data-deletion request by its confirmation code."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not code.isalnum():
        return None
    return session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.confirmation_code == code,
            DeletionRequest.source == DeletionSource.DATA_DELETION.value,
        )
    )


def claim_due(session: Session, worker_id: str, now: datetime | None = None) -> list[int]:
    """Lease the requests that are due (SKIP LOCKED on MariaDB); the caller commits."""
    now = now or utcnow()
    stmt = (
        select(DeletionRequest)
        .where(
            DeletionRequest.due_at <= now,
            or_(
                DeletionRequest.state == DeletionState.RECEIVED.value,
                (DeletionRequest.state == DeletionState.IN_PROGRESS.value)
                & (DeletionRequest.lease_until < now),
            ),
        )
        .order_by(DeletionRequest.due_at, DeletionRequest.id)
        .limit(BATCH)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = []
    for req in session.scalars(stmt).all():
        req.state = DeletionState.IN_PROGRESS.value
        req.started_at = req.started_at or now
        req.lease_owner = worker_id
        req.lease_until = now + LEASE
        req.attempts += 1
        ids.append(req.id)
    session.flush()
    return ids


def carry_out(session: Session, settings, request_id: int, worker_id: str) -> dict | None:
    """Delete what Kezek holds for the request's Instagram user; mark it completed."""
    req = session.get(DeletionRequest, request_id)
    if req is None or req.lease_owner != worker_id or req.state != DeletionState.IN_PROGRESS.value:
        return None
    found: dict[str, int] = {}
    for account in _accounts_of(session, req.ig_user_id):
        if (
            req.source == DeletionSource.DEAUTHORIZE.value
            and account.status != AccountStatus.DISCONNECTED.value
        ):
            # Reconnected within the grace period: the person wants Kezek again.
            found["kept_reconnected"] = found.get("kept_reconnected", 0) + 1
            continue
        workspace_id = account.workspace_id
        for key, value in delete_account_data(session, settings, account).items():
            found[key] = found.get(key, 0) + value
        audit.record(
            session,
            "account_data_deleted",
            username="",
            workspace_id=workspace_id,
            detail={"confirmation_code": req.confirmation_code, "source": req.source},
        )
    req = session.get(DeletionRequest, request_id)
    req.state = DeletionState.COMPLETED.value
    req.completed_at = utcnow()
    req.found = found
    req.lease_owner = req.lease_until = None
    session.flush()
    log.info("deletion request completed", extra={"request": request_id, **found})
    return found
