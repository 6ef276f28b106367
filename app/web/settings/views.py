"""Settings views."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Role
from app.services import audit
from app.services.users import UserError
from app.services.workspaces import update_workspace
from app.web.context import require_role
from app.web.messages import user_error
from app.web.settings import bp
from app.web.settings.forms import ProfileForm, WorkspaceForm


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or session.get("locale") or g.get("locale")
    if form.validate_on_submit():
        current_user.display_name = (form.display_name.data or "").strip()
        current_user.locale = form.locale.data
        current_user.timezone = (form.timezone.data or "").strip() or None
        session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Your settings were saved."), "success")
        return redirect(url_for("settings.profile"))
    return render_template("settings/profile.html", form=form)


@bp.route("/workspace", methods=["GET", "POST"])
@login_required
def workspace():
    ws = g.workspace
    if ws is None:
        abort(404)
    form = WorkspaceForm(obj=ws)
    can_edit = g.membership.allows(Role.OWNER)
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            try:
                update_workspace(
                    ws, name=form.name.data, timezone=(form.timezone.data or "").strip()
                )
                ws.require_approval = bool(form.require_approval.data)
            except UserError as e:
                flash(user_error(e.code), "danger")
            else:
                audit.record(
                    db.session,
                    "workspace_update",
                    user=current_user,
                    workspace_id=ws.id,
                    ip=request.remote_addr or "",
                )
                db.session.commit()
                flash(_("The workspace was saved."), "success")
                return redirect(url_for("settings.workspace"))
    members = sorted(ws.memberships, key=lambda m: m.user.username)
    return render_template("settings/workspace.html", form=form, can_edit=can_edit, members=members)


@bp.route("/activity")
@login_required
@require_role(Role.OWNER)
def activity():
    # The audit log moved to the privacy area (filters, CSV, admins' view of everything).
    return redirect(url_for("privacy.audit_log"))
