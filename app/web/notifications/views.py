"""List notifications and mark them read."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.services import notifications as svc
from app.web.context import current_workspace_id
from app.web.notifications import bp

PAGE_SIZE = 50


@bp.app_context_processor
def _unread_helper() -> dict:
    def unread_notifications() -> int:
        if not current_user.is_authenticated or g.get("workspace") is None:
            return 0
        return svc.unread_count(db.session, g.workspace.id, current_user.id)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def index():
    before = request.args.get("before", type=int)
    rows = svc.list_notifications(
        db.session,
        current_workspace_id(),
        current_user.id,
        unread_only=request.args.get("unread") == "1",
        before_id=before,
        limit=PAGE_SIZE + 1,
    )
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template(
        "notifications/index.html",
        rows=rows[:PAGE_SIZE],
        older=older,
        unread_only=request.args.get("unread") == "1",
        render=svc.render,
        safe_link=svc.safe_link,
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    n = svc.get_notification(db.session, current_workspace_id(), current_user.id, notification_id)
    if n is None:
        abort(404)
    svc.mark_read(n)
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    svc.mark_all_read(db.session, current_workspace_id(), current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))
