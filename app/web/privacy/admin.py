"""Admin → Privacy: the retention table with the last run; export or delete any user."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import ExportJob, User
from app.services.deletion import delete_user, sole_owned_workspaces
from app.services.retention import last_run
from app.services.users import UserError, check_password, list_users
from app.web.admin.forms import EmptyForm
from app.web.context import require_admin
from app.web.messages import user_error
from app.web.privacy import bp
from app.web.privacy.forms import DeleteAllForm
from app.web.privacy.policy import RULE_LABELS, retention_rows
from app.web.privacy.views import export_status, request_export


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/admin/privacy")
@login_required
@require_admin
def admin_page():
    settings = current_app.config["SETTINGS"]
    latest = {}
    for job in db.session.scalars(
        select(ExportJob).where(ExportJob.requested_by_id == current_user.id).order_by(ExportJob.id)
    ):
        latest[job.user_id] = job
    return render_template(
        "privacy/admin.html",
        retention=retention_rows(settings),
        run=last_run(db.session),
        labels=RULE_LABELS,
        users=list_users(db.session),
        form=EmptyForm(),
        exports={uid: export_status(job) for uid, job in latest.items()},
    )


@bp.post("/admin/privacy/users/<int:user_id>/export")
@login_required
@require_admin
def admin_export(user_id: int):
    user = _user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        request_export(user)
        flash(_("Kezek is preparing the export of %(name)s.", name=user.username), "info")
    return redirect(url_for("privacy.admin_page"))


@bp.route("/admin/privacy/users/<int:user_id>/delete", methods=["GET", "POST"])
@login_required
@require_admin
def admin_delete(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        return redirect(url_for("privacy.delete_all"))
    form = DeleteAllForm()
    if form.validate_on_submit():
        # The admin confirms with their own password and the user's name.
        if (form.confirm.data or "").strip().lower() != user.username or not check_password(
            current_user, form.password.data or ""
        ):
            form.password.errors.append(_("Type the username and your own password to confirm."))
        else:
            name = user.username
            try:
                delete_user(
                    db.session,
                    current_app.config["SETTINGS"],
                    user,
                    actor=current_user,
                    ip=request.remote_addr or "",
                )
            except UserError as e:
                db.session.rollback()
                flash(user_error(e.code), "danger")
                return redirect(url_for("privacy.admin_page"))
            db.session.commit()
            flash(_("%(name)s and all their data were deleted.", name=name), "success")
            return redirect(url_for("privacy.admin_page"))
    return render_template(
        "privacy/admin_delete.html",
        form=form,
        user=user,
        workspaces=sole_owned_workspaces(db.session, user),
    )
