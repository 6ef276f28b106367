"""CSV downloads of every analytics table and series (same scope as the pages)."""

from __future__ import annotations

from flask import Response, abort
from flask_login import login_required

from app.extensions import db
from app.services import analytics_export as export
from app.services import analytics_queries as q
from app.services.analytics_best_time import heat_map
from app.web.analytics import bp
from app.web.analytics.helpers import post_filter, scope

MAX_EXPORT_POSTS = 10_000
KINDS = ("followers", "insights", "posts", "audience", "best-time")


def _csv(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.route("/export/<kind>.csv")
@login_required
def export_csv(kind: str):
    if kind not in KINDS:
        abort(404)
    sc = scope(default_account=kind == "audience")
    who = f"@{sc.account.username}" if sc.account else "workspace"
    name = f"kezek-{kind}-{who}-{sc.today.isoformat()}.csv"
    if kind == "followers":
        text = export.followers_csv(
            q.scope_series(db.session, sc.workspace_id, sc.account_id, sc.start, sc.today)
        )
    elif kind == "insights":
        text = export.insights_csv(
            q.scope_insight_days(db.session, sc.workspace_id, sc.account_id, sc.start, sc.today)
        )
    elif kind == "posts":
        text = export.posts_csv(
            q.post_performance(
                db.session, sc.workspace_id, sc.ids, post_filter(sc), limit=MAX_EXPORT_POSTS
            )
        )
    elif kind == "audience":
        if sc.account is None:
            abort(404)
        text = export.audience_csv(q.audience(db.session, sc.workspace_id, sc.account.id))
    else:
        text = export.best_time_csv(heat_map(db.session, sc.workspace_id, sc.ids, sc.timezone))
    return _csv(text, name)
