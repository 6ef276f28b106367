""" "Export my data": a ZIP of JSON files for every table holding the user's data, plus media.

Tables are found through the model metadata, so a table added later is exported without
changes here; only secrets (tokens, hashes, sign-in session ids) are left out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from app.models import Base, ExportJob, Membership, Role, User, utcnow
from app.models.privacy import ExportState
from app.services.media_store import KEY_RE, local_copy, storage

log = logging.getLogger("kezek.privacy")

SECRET_COLUMNS = {
    "token_ciphertext",
    "token_hash",
    "password_hash",
    "public_token",
    "secret_ciphertext",
}
SECRET_TABLE_COLUMNS = {("auth_session", "id")}
# Kezek's own bookkeeping, not data about the user.
SKIPPED_TABLES = {"export_job", "deletion_request", "retention_run", "worker_heartbeat", "user"}
LEASE = timedelta(minutes=15)
README = """Kezek data export
=================

user.json             your profile (without your password)
user/<table>.json     rows about you: memberships, sign-in methods, sessions, API tokens
                      (names only, never the tokens), notification settings, your audit events
workspaces/<id>/      one folder per workspace you belong to: <table>.json for every kind of
                      data Kezek keeps there (Instagram accounts without their tokens, posts and
                      their logs, comments, messages, snapshots, insights, ...) and media/ with
                      the uploaded files

Dates are ISO 8601 in UTC. Generated {generated} for {username}.
"""


class ExportError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_export(session: Session, user: User, requested_by: User) -> ExportJob:
    """Queue an export (or return the one still being built for the same requester)."""
    running = session.scalar(
        select(ExportJob).where(
            ExportJob.user_id == user.id,
            ExportJob.requested_by_id == requested_by.id,
            ExportJob.state.in_([ExportState.PENDING.value, ExportState.RUNNING.value]),
        )
    )
    if running is not None:
        return running
    job = ExportJob(
        user_id=user.id,
        requested_by_id=requested_by.id,
        state=ExportState.PENDING.value,
        progress=0,
        size_bytes=0,
    )
    session.add(job)
    session.flush()
    return job


def latest_export(session: Session, requested_by: User, user_id: int | None = None):
    """The newest export the requester asked for (for one user, or any)."""
    stmt = select(ExportJob).where(ExportJob.requested_by_id == requested_by.id)
    if user_id is not None:
        stmt = stmt.where(ExportJob.user_id == user_id)
    return session.scalar(stmt.order_by(ExportJob.id.desc()).limit(1))


def claim_export(session: Session, worker_id: str, now: datetime | None = None):
    """Lease one pending export (SKIP LOCKED on MariaDB); the caller commits."""
    now = now or utcnow()
    stmt = (
        select(ExportJob)
        .where(
            or_(
                ExportJob.state == ExportState.PENDING.value,
                (ExportJob.state == ExportState.RUNNING.value) & (ExportJob.lease_until < now),
            )
        )
        .order_by(ExportJob.id)
        .limit(1)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    job = session.scalar(stmt)
    if job is None:
        return None
    job.state = ExportState.RUNNING.value
    job.started_at = now
    job.lease_owner = worker_id
    job.lease_until = now + LEASE
    job.progress = 0
    session.flush()
    return job


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _rows(session: Session, table: Table, where) -> list[dict]:
    cols = [
        c
        for c in table.columns
        if c.name not in SECRET_COLUMNS and (table.name, c.name) not in SECRET_TABLE_COLUMNS
    ]
    result = session.execute(select(*cols).where(where).order_by(*table.primary_key.columns))
    return [{k: _jsonable(v) for k, v in row._mapping.items()} for row in result]


def _fk_to(table: Table, target: str):
    return [fk for fk in table.foreign_keys if fk.column.table.name == target]


def plan(session: Session, user: User) -> list[tuple[str, Table, object]]:
    """(file name, table, condition) for every JSON file of the user's export."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    files = []
    for t in tables:
        user_fks = _fk_to(t, "user")
        if user_fks and "workspace_id" not in t.c:
            files.append(
                (f"user/{t.name}.json", t, or_(*(fk.parent == user.id for fk in user_fks)))
            )
    audit = Base.metadata.tables["audit_log"]
    files.append(("user/audit_log.json", audit, audit.c.user_id == user.id))
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    for m in memberships:
        ws = m.workspace_id
        for t in tables:
            if t.name == "audit_log" and m.role != Role.OWNER.value:
                continue  # only owners see a workspace's audit log
            if "workspace_id" in t.c:
                files.append((f"workspaces/{ws}/{t.name}.json", t, t.c.workspace_id == ws))
                continue
            if _fk_to(t, "user"):
                continue
            for fk in t.foreign_keys:
                parent = fk.column.table
                if "workspace_id" in parent.c:
                    sub = select(parent.c.id).where(parent.c.workspace_id == ws)
                    files.append((f"workspaces/{ws}/{t.name}.json", t, fk.parent.in_(sub)))
                    break
    return files


def _media_files(session: Session, settings, workspace_ids: list[int]):
    from app.models import MediaItem

    store = storage(settings)  # the local folder or the S3 bucket
    for item in session.scalars(select(MediaItem).where(MediaItem.workspace_id.in_(workspace_ids))):
        key = item.storage_key
        if KEY_RE.fullmatch(key or "") and store.exists(key):
            yield f"workspaces/{item.workspace_id}/media/{item.id}{Path(key).suffix}", key


def build_export(session: Session, settings, job: ExportJob, on_progress=None) -> Path:
    """Write the ZIP under MEDIA_DIR/exports; `on_progress(percent)` is called as it goes."""
    user = session.get(User, job.user_id)
    files = plan(session, user)
    ws_ids = sorted({m.workspace_id for m in user.memberships})
    media = list(_media_files(session, settings, ws_ids))
    total = len(files) + len(media) + 1
    root = Path(settings.MEDIA_DIR) / "exports"
    root.mkdir(parents=True, exist_ok=True)
    rel = f"exports/{secrets.token_hex(16)}.zip"
    path = Path(settings.MEDIA_DIR) / rel
    step = 0
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(
                "README.txt",
                README.format(
                    generated=utcnow().isoformat(timespec="seconds"), username=user.username
                ),
            )
            profile = {
                c.name: _jsonable(getattr(user, c.key))
                for c in User.__table__.columns
                if c.name not in SECRET_COLUMNS
            }
            zf.writestr("user.json", json.dumps(profile, ensure_ascii=False, indent=1))
            for name, table, where in files:
                rows = _rows(session, table, where)
                if rows:
                    zf.writestr(name, json.dumps(rows, ensure_ascii=False, indent=1))
                step += 1
                if on_progress and step % 5 == 0:
                    on_progress(int(step * 100 / total))
            for name, key in media:
                with local_copy(settings, key) as src:
                    zf.write(src, name)
                step += 1
                if on_progress:
                    on_progress(int(step * 100 / total))
    except Exception:
        path.unlink(missing_ok=True)
        raise
    job.file_path = rel
    job.size_bytes = path.stat().st_size
    job.state = ExportState.READY.value
    job.progress = 100
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    job.lease_owner = job.lease_until = None
    session.flush()
    return path


def issue_link_token(job: ExportJob) -> str:
    """A fresh single-use download token (replacing any earlier one); only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    job.token_hash = hash_token(raw)
    return raw


def downloadable(job: ExportJob | None, user: User, now: datetime | None = None) -> bool:
    """Ready, not expired, not yet downloaded, and asked for by `user`."""
    now = now or utcnow()
    return (
        job is not None
        and job.requested_by_id == user.id
        and job.state == ExportState.READY.value
        and job.downloaded_at is None
        and job.expires_at is not None
        and job.expires_at > now
        and bool(job.file_path)
    )


def take_download(
    session: Session,
    settings,
    job: ExportJob,
    user: User,
    token: str | None,
    *,
    need_token: bool = True,
) -> Path:
    """Use up the export's download (single use) and return the file path."""
    if not downloadable(job, user):
        raise ExportError("export_gone")
    if need_token and (
        not token
        or not job.token_hash
        or not secrets.compare_digest(hash_token(token), job.token_hash)
    ):
        raise ExportError("export_gone")
    path = Path(settings.MEDIA_DIR) / job.file_path
    if not path.is_file():
        raise ExportError("export_gone")
    job.downloaded_at = utcnow()
    job.token_hash = None
    session.flush()
    return path
