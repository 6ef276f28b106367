"""Deleting data: a user with the workspaces they alone own, a workspace, an Instagram account.

Rows go mostly through foreign keys with ON DELETE CASCADE from `workspace`,
`instagram_account` and `user` (SQLite runs with foreign_keys=ON, MariaDB with InnoDB);
what no foreign key reaches is listed in UNLINKED_RULES and handled here. Files under
MEDIA_DIR are removed before their rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import (
    AuditLog,
    ExportJob,
    InstagramAccount,
    LoginAttempt,
    MediaItem,
    Membership,
    Post,
    PostMedia,
    Role,
    User,
    WebhookEvent,
    Workspace,
)
from app.services import analytics_rollup, audit
from app.services.media import release_media, remove_files
from app.services.users import UserError, count_admins

log = logging.getLogger("kezek.privacy")

# Tables no cascade from user/workspace/instagram_account reaches, and how each is handled.
# The generic deletion test fails for any table that is neither cascaded nor listed here.
UNLINKED_RULES = {
    "user": "deleted by delete_user",
    "workspace": "deleted by delete_workspace",
    "audit_log": "user's rows anonymised; detail naming the user or account cleared",
    "login_attempt": "rows with the user's username deleted",
    "webhook_event": "raw batches naming the account's Instagram id deleted",
    "worker_heartbeat": "holds no personal data",
    "deletion_request": "kept as Meta's request record (code, dates, state) for the status page",
    "retention_run": "holds counts only",
}


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _detail_mentions(*values: str):
    """A condition: the audit row's JSON detail mentions any of `values`."""
    text = cast(AuditLog.detail, String)
    return or_(*(text.like(_like(f'"{v}"'), escape="\\") for v in values if v))


def _remove_export_files(settings, jobs) -> int:
    removed = 0
    root = Path(settings.MEDIA_DIR)
    for job in jobs:
        if job.file_path:
            path = root / job.file_path
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def delete_workspace(session: Session, settings, workspace_id: int) -> dict:
    """Delete a workspace with every row and file in it (tokens included); count them."""
    counts = {"workspaces": 1, "accounts": 0, "media_files": 0}
    accounts = list(
        session.scalars(
            select(InstagramAccount).where(InstagramAccount.workspace_id == workspace_id)
        )
    )
    for account in accounts:
        _forget_unlinked(session, account)
    counts["accounts"] = len(accounts)
    # Posts before media items: post_media -> media_item has no cascade (a post keeps its
    # files), and InnoDB checks that constraint row by row inside a cascade.
    session.execute(delete(Post).where(Post.workspace_id == workspace_id))
    for item in session.scalars(select(MediaItem).where(MediaItem.workspace_id == workspace_id)):
        counts["media_files"] += len(remove_files(settings, item))
    session.execute(delete(MediaItem).where(MediaItem.workspace_id == workspace_id))
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))
    session.expire_all()
    return counts


def _forget_unlinked(session: Session, account: InstagramAccount) -> None:
    """What no foreign key reaches: raw webhook batches and audit details naming the account."""
    ids = [i for i in (account.ig_user_id, account.app_scoped_id) if i]
    session.execute(
        delete(WebhookEvent)
        .where(or_(*(WebhookEvent.body.like(_like(i), escape="\\") for i in ids)))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AuditLog)
        .where(_detail_mentions(*ids, account.username))
        .values(detail=None)
        .execution_options(synchronize_session=False)
    )


def delete_account_data(session: Session, settings, account: InstagramAccount) -> dict:
    """Delete an Instagram account, its token, its rows, and files only its posts used."""
    post_ids = select(Post.id).where(Post.account_id == account.id)
    media_ids = set(
        session.scalars(select(PostMedia.media_id).where(PostMedia.post_id.in_(post_ids)))
    ) | set(
        session.scalars(
            select(Post.cover_media_id).where(
                Post.account_id == account.id, Post.cover_media_id.is_not(None)
            )
        )
    )
    counts = {
        "accounts": 1,
        "posts": session.scalar(select(func.count()).select_from(post_ids.subquery())) or 0,
    }
    _forget_unlinked(session, account)
    session.execute(delete(Post).where(Post.account_id == account.id))
    session.execute(delete(InstagramAccount).where(InstagramAccount.id == account.id))
    # Its follower snapshots went with it (cascade): the workspace totals must drop them too.
    analytics_rollup.rebuild(session, account.workspace_id)
    session.expire_all()
    counts["media_files"] = release_media(session, settings, media_ids)
    return counts


def sole_owned_workspaces(session: Session, user: User) -> list[Workspace]:
    """Workspaces where the user is the only owner (deleted with the user)."""
    owned = session.scalars(
        select(Membership.workspace_id).where(
            Membership.user_id == user.id, Membership.role == Role.OWNER.value
        )
    ).all()
    result = []
    for ws_id in owned:
        owners = session.scalar(
            select(func.count(Membership.id)).where(
                Membership.workspace_id == ws_id, Membership.role == Role.OWNER.value
            )
        )
        if owners == 1:
            result.append(session.get(Workspace, ws_id))
    return sorted(result, key=lambda w: w.name)


def delete_user(session: Session, settings, user: User, *, actor=None, ip: str = "") -> dict:
    """Delete a user, the workspaces they alone own, their memberships, sessions and files.

    Audit rows keep what happened but no longer name the user. UserError("last_admin")
    when the user is the last active admin.
    """
    if user.is_admin and user.active and count_admins(session) <= 1:
        raise UserError("last_admin")
    user_id, username = user.id, user.username
    counts = {"workspaces": 0, "accounts": 0, "media_files": 0}
    for ws in sole_owned_workspaces(session, user):
        for key, value in delete_workspace(session, settings, ws.id).items():
            counts[key] = counts.get(key, 0) + value
    exports = session.scalars(
        select(ExportJob).where(
            or_(ExportJob.user_id == user_id, ExportJob.requested_by_id == user_id)
        )
    ).all()
    counts["export_files"] = _remove_export_files(settings, exports)
    session.execute(
        update(AuditLog)
        .where(or_(AuditLog.user_id == user_id, AuditLog.username == username))
        .values(user_id=None, username="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AuditLog)
        .where(_detail_mentions(username))
        .values(detail=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    session.execute(delete(User).where(User.id == user_id))
    session.expire_all()
    self_delete = actor is None or getattr(actor, "id", None) == user_id
    audit.record(
        session,
        "user_delete",
        user=None if self_delete else actor,
        username="" if self_delete else None,
        ip=ip,
        detail={"deleted_user_id": user_id, **counts},
    )
    session.flush()
    log.info("user deleted", extra={"user_id": user_id, **counts})
    return counts
