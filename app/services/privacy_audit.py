"""Reading the audit log: filters, paging and CSV for owners (their workspace) and admins."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.models import AuditLog

CSV_LIMIT = 50_000


@dataclass
class AuditFilter:
    """What to show: one workspace (None = all, admins only), and optional filters."""

    workspace_id: int | None = None
    # With a workspace: also the viewer's own events outside workspaces (sign-ins, exports).
    own_user_id: int | None = None
    action: str = ""
    username: str = ""
    result: str = ""
    since: datetime | None = None
    until: datetime | None = None


def query(f: AuditFilter) -> Select[tuple[AuditLog]]:
    """The filtered rows, newest first."""
    stmt = select(AuditLog)
    if f.workspace_id is not None:
        own = AuditLog.workspace_id == f.workspace_id
        if f.own_user_id is not None:
            own = or_(own, AuditLog.workspace_id.is_(None) & (AuditLog.user_id == f.own_user_id))
        stmt = stmt.where(own)
    if f.action:
        stmt = stmt.where(AuditLog.action == f.action)
    if f.username:
        stmt = stmt.where(AuditLog.username == f.username.strip().lower())
    if f.result:
        stmt = stmt.where(AuditLog.result == f.result)
    if f.since is not None:
        stmt = stmt.where(AuditLog.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditLog.created_at < f.until)
    return stmt.order_by(AuditLog.id.desc())


def page(session: Session, f: AuditFilter, *, before: int | None = None, limit: int = 100):
    """One page of rows (ids below `before`) and whether more follow."""
    stmt = query(f)
    if before is not None:
        stmt = stmt.where(AuditLog.id < before)
    rows = list(session.scalars(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def actions(session: Session, f: AuditFilter) -> list[str]:
    """The distinct action names the viewer can see (for the filter menu)."""
    rows = query(AuditFilter(workspace_id=f.workspace_id, own_user_id=f.own_user_id))
    sub = rows.order_by(None).subquery()
    return sorted(session.scalars(select(sub.c.action).distinct()))


def to_csv(session: Session, f: AuditFilter) -> str:
    """The filtered rows as CSV (UTC times)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "created_at",
            "workspace_id",
            "user_id",
            "username",
            "action",
            "result",
            "ip",
            "detail",
        ]
    )
    for r in session.scalars(query(f).limit(CSV_LIMIT)):
        writer.writerow(
            [
                r.id,
                r.created_at.isoformat(timespec="seconds"),
                r.workspace_id or "",
                r.user_id or "",
                _safe(r.username),
                r.action,
                r.result,
                r.ip,
                _safe(_detail(r.detail)),
            ]
        )
    return out.getvalue()


def _detail(detail) -> str:
    if not detail:
        return ""
    return "; ".join(f"{k}={v}" for k, v in sorted(detail.items()))


def _safe(value: str) -> str:
    # Spreadsheets run cells starting with these as formulas.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
