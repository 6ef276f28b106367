"""Writing the audit log."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import AuditLog


def record(
    session: Session,
    action: str,
    *,
    user=None,
    username: str | None = None,
    workspace_id: int | None = None,
    ip: str = "",
    result: str = "ok",
    detail: dict | None = None,
) -> AuditLog:
    """Add one audit log row (flushed with the caller's transaction)."""
    row = AuditLog(
        action=action,
        user_id=getattr(user, "id", None),
        username=username if username is not None else getattr(user, "username", ""),
        workspace_id=workspace_id,
        ip=ip[:45],
        result=result,
        detail=detail,
    )
    session.add(row)
    return row
