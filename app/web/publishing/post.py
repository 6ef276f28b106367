"""A post's page (status, log, failure explanation) and its actions."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import InstagramAccount, MediaItem, Post, Role, utcnow
from app.models.post import WORKING_STATUSES
from app.services import posts as svc
from app.services.compose_flow import submit
from app.web.admin.forms import EmptyForm
from app.web.context import get_or_404, require_role
from app.web.post_messages import post_error_text, status_label
from app.web.publishing import bp
from app.web.publishing.compose import scheduled_from
from app.web.publishing.forms import EditForm, SendBackForm, split_collaborators
from app.web.publishing.helpers import media_url, to_local, workspace_tz
from app.web.publishing.messages import type_label


def _poll_interval(post: Post) -> str | None:
    """How often the page refreshes the status: often while the worker is on it."""
    if post.status not in WORKING_STATUSES:
        return None
    due = post.next_attempt_at
    if post.status == "scheduled" and due is not None and due > utcnow() + timedelta(minutes=1):
        return "30s"
    return "2s"


def _context(post: Post) -> dict:
    items = {pm.media_id: db.session.get(MediaItem, pm.media_id) for pm in post.media}
    return {
        "post": post,
        "account": db.session.get(InstagramAccount, post.account_id),
        "items": items,
        "log": svc.post_log(db.session, post),
        "poll": _poll_interval(post),
        "status_label": status_label,
        "type_label": type_label,
        "error_text": post_error_text,
        "media_url": media_url,
    }


@bp.route("/posts/<int:post_id>")
@login_required
def detail(post_id: int):
    post = get_or_404(Post, post_id)
    return render_template(
        "publishing/post.html", form=EmptyForm(), back_form=SendBackForm(), **_context(post)
    )


@bp.route("/posts/<int:post_id>/status")
@login_required
def status(post_id: int):
    post = get_or_404(Post, post_id)
    return render_template("publishing/_post_status.html", form=EmptyForm(), **_context(post))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def edit(post_id: int):
    post = get_or_404(Post, post_id)
    if not post.editable:
        flash(post_error_text("not_editable"), "warning")
        return redirect(url_for("publishing.detail", post_id=post.id))
    form = EditForm(obj=post)
    errors: dict = {}
    if request.method == "GET":
        form.collaborators.data = ", ".join(post.collaborators or [])
        local = to_local(post.scheduled_at, workspace_tz())
        if local is not None:
            form.day.data = local.date().isoformat()
            form.at.data = local.strftime("%H:%M:%S" if local.second else "%H:%M")
    elif form.validate_on_submit():
        action = request.form.get("action", "save")
        when, errors = (None, {}) if not (form.day.data or form.at.data) else scheduled_from(form)
        if not errors:
            try:
                svc.update_post(
                    db.session,
                    post,
                    caption=form.caption.data or "",
                    first_comment=form.first_comment.data,
                    collaborators=split_collaborators(form.collaborators.data),
                    alt_texts=[
                        (request.form.get(f"alt_{pm.id}") or "").strip()[:1000] or None
                        for pm in post.media
                    ],
                )
                settings = current_app.config["SETTINGS"]
                if action == "queue":
                    submit(db.session, settings, post, current_user, when)
                elif post.status in ("scheduled", "pending_approval") and when != post.scheduled_at:
                    svc.reschedule(db.session, post, when, settings)
                elif post.status == "draft":
                    post.scheduled_at = when
            except svc.PostError as e:
                db.session.rollback()
                errors[e.field or "general"] = post_error_text(e.code)
            else:
                db.session.commit()
                flash(_("The post was saved."), "success")
                return redirect(url_for("publishing.detail", post_id=post.id))
    return render_template(
        "publishing/edit.html",
        form=form,
        post=post,
        errors=errors,
        items={pm.media_id: db.session.get(MediaItem, pm.media_id) for pm in post.media},
        media_url=media_url,
        type_label=type_label,
    )


def _act(post_id: int, action, done: str):
    post = get_or_404(Post, post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(post)
    except svc.PostError as e:
        db.session.rollback()
        flash(post_error_text(e.code), "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("publishing.detail", post_id=post.id))


@bp.route("/posts/<int:post_id>/cancel", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def cancel(post_id: int):
    return _act(post_id, lambda p: svc.cancel_post(db.session, p), _("The post was cancelled."))


@bp.route("/posts/<int:post_id>/retry", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def retry(post_id: int):
    settings = current_app.config["SETTINGS"]
    return _act(
        post_id,
        lambda p: svc.retry_post(db.session, p, settings),
        _("Kezek will try to publish the post again now."),
    )


@bp.route("/posts/<int:post_id>/approve", methods=["POST"])
@login_required
@require_role(Role.OWNER)
def approve(post_id: int):
    settings = current_app.config["SETTINGS"]
    return _act(
        post_id,
        lambda p: svc.approve_post(db.session, p, current_user, settings),
        _("The post was approved and scheduled."),
    )


@bp.route("/posts/<int:post_id>/send-back", methods=["POST"])
@login_required
@require_role(Role.OWNER)
def send_back(post_id: int):
    post = get_or_404(Post, post_id)
    form = SendBackForm()
    if not form.validate_on_submit():
        flash(_("Write what should be changed."), "danger")
        return redirect(url_for("publishing.detail", post_id=post.id))
    try:
        svc.send_back(db.session, post, current_user, form.comment.data)
    except svc.PostError as e:
        db.session.rollback()
        flash(post_error_text(e.code), "danger")
    else:
        db.session.commit()
        flash(_("The post was sent back to its author."), "success")
    return redirect(url_for("publishing.detail", post_id=post.id))


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def delete(post_id: int):
    post = get_or_404(Post, post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        svc.delete_post(db.session, post, current_app.config["SETTINGS"])
    except svc.PostError as e:
        db.session.rollback()
        flash(post_error_text(e.code), "danger")
        return redirect(url_for("publishing.detail", post_id=post.id))
    db.session.commit()
    flash(_("The post was deleted."), "success")
    return redirect(url_for("publishing.index"))
