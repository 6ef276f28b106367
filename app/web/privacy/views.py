"""Settings → Privacy: export my data (background, htmx progress) and delete all my data."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from markupsafe import Markup

from app.extensions import db
from app.models import ExportJob, User
from app.services import audit
from app.services.deletion import delete_user, sole_owned_workspaces
from app.services.export import (
    ExportError,
    downloadable,
    issue_link_token,
    latest_export,
    start_export,
    take_download,
)
from app.services.users import UserError, check_password
from app.web.admin.forms import EmptyForm
from app.web.messages import user_error
from app.web.privacy import bp
from app.web.privacy.forms import DeleteAllForm


def _ip() -> str:
    return request.remote_addr or ""


def own_job(job_id: int) -> ExportJob:
    """An export the current user asked for, else 404."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


def export_status(job: ExportJob | None, *, new_link: bool = False):
    """The export partial; a fresh single-use link is made when the job just finished."""
    link = None
    if downloadable(job, current_user) and (job.token_hash is None or new_link):
        token = issue_link_token(job)
        db.session.commit()
        link = url_for("privacy.download_export", job_id=job.id, token=token, _external=True)
    return Markup(
        render_template(
            "privacy/_export.html",
            job=job,
            link=link,
            form=EmptyForm(),
            can_download=downloadable(job, current_user),
        )
    )


def request_export(user: User) -> ExportJob:
    """Queue an export of `user` for the current user, audited."""
    job = start_export(db.session, user, current_user)
    audit.record(
        db.session,
        "data_export",
        user=current_user,
        ip=_ip(),
        detail={"for_user_id": user.id} if user.id != current_user.id else None,
    )
    db.session.commit()
    return job


@bp.route("/settings/privacy")
@login_required
def settings_page():
    job = latest_export(db.session, current_user, current_user.id)
    return render_template(
        "privacy/settings.html",
        job=job,
        form=EmptyForm(),
        workspaces=sole_owned_workspaces(db.session, current_user),
        export_html=export_status(job),
    )


@bp.post("/settings/privacy/export")
@login_required
def start_own_export():
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = request_export(current_user)
    if request.headers.get("HX-Request"):
        return export_status(job)
    flash(_("Kezek is preparing your export. This page shows the progress."), "info")
    return redirect(url_for("privacy.settings_page"))


@bp.get("/settings/privacy/export/<int:job_id>")
@login_required
def export_partial(job_id: int):
    return export_status(own_job(job_id))


@bp.post("/settings/privacy/export/<int:job_id>/link")
@login_required
def new_export_link(job_id: int):
    job = own_job(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return export_status(job, new_link=True)


@bp.get("/settings/privacy/export/<int:job_id>/download/<token>")
@login_required
def download_export(job_id: int, token: str):
    job = own_job(job_id)
    settings = current_app.config["SETTINGS"]
    try:
        path = take_download(db.session, settings, job, current_user, token)
    except ExportError:
        db.session.rollback()
        return render_template("privacy/export_gone.html"), 410
    audit.record(db.session, "data_export_download", user=current_user, ip=_ip())
    db.session.commit()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"kezek-export-{job.id}.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    # Single use: the file goes once it was sent.
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response


def confirmed(form: DeleteAllForm, user: User) -> bool:
    """The password (or, without one, the typed username) confirms the deletion."""
    if user.has_password:
        return check_password(user, form.password.data or "")
    return (form.confirm.data or "").strip().lower() == user.username


@bp.route("/settings/privacy/delete", methods=["GET", "POST"])
@login_required
def delete_all():
    form = DeleteAllForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not confirmed(form, user):
            audit.record(db.session, "data_delete_all", user=user, ip=_ip(), result="failure")
            db.session.commit()
            form.password.errors.append(_("The password is not correct."))
        else:
            try:
                delete_user(db.session, current_app.config["SETTINGS"], user, ip=_ip())
            except UserError as e:
                db.session.rollback()
                flash(user_error(e.code), "danger")
                return redirect(url_for("privacy.settings_page"))
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account and all your data were deleted."), "success")
            return redirect(url_for("auth.login"))
    return render_template(
        "privacy/delete.html",
        form=form,
        workspaces=sole_owned_workspaces(db.session, user),
    )
