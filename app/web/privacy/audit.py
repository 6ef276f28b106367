"""The audit log: owners see their workspace, admins everything; filters and CSV export."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, abort, g, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Role
from app.services import privacy_audit
from app.web.privacy import bp

RESULTS = ("ok", "success", "failure", "throttled")


def _day(name: str):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        return None


def current_filter() -> privacy_audit.AuditFilter:
    """The filter from the query string; 403 unless owner (or admin for all workspaces)."""
    everything = request.args.get("scope") == "all"
    if everything:
        if not current_user.is_admin:
            abort(403)
        workspace_id = None
    else:
        m = g.get("membership")
        if m is None or not m.allows(Role.OWNER):
            abort(403)
        workspace_id = m.workspace_id
    until = _day("until")
    return privacy_audit.AuditFilter(
        workspace_id=workspace_id,
        own_user_id=None if everything else current_user.id,
        action=request.args.get("action", "")[:64],
        username=request.args.get("username", "")[:64],
        result=request.args.get("result", "") if request.args.get("result") in RESULTS else "",
        since=_day("since"),
        until=until + timedelta(days=1) if until else None,
    )


@bp.get("/audit")
@login_required
def audit_log():
    f = current_filter()
    before = request.args.get("before", type=int)
    rows, more = privacy_audit.page(db.session, f, before=before)
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "privacy/audit.html",
        rows=rows,
        more=more,
        f=f,
        args=args,
        results=RESULTS,
        actions=privacy_audit.actions(db.session, f),
        scope_all=f.workspace_id is None,
    )


@bp.get("/audit.csv")
@login_required
def audit_csv():
    f = current_filter()
    body = privacy_audit.to_csv(db.session, f)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=kezek-audit-log.csv",
            "Cache-Control": "no-store",
        },
    )
