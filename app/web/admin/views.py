"""User administration for operator admins."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import delete

from app.extensions import db
from app.models import AuthSession, User
from app.services import audit
from app.services.users import UserError, count_admins, create_user, list_users, set_password
from app.web.admin import bp
from app.web.admin.forms import EmptyForm, NewUserForm, ResetPasswordForm
from app.web.context import require_admin
from app.web.messages import user_error


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users", methods=["GET", "POST"])
@login_required
@require_admin
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session,
                form.username.data,
                form.password.data,
                is_admin=form.is_admin.data,
                display_name=(form.display_name.data or "").strip(),
            )
        except UserError as e:
            field = form.password if e.code.startswith("password") else form.username
            field.errors.append(user_error(e.code))
        else:
            audit.record(
                db.session,
                "user_create",
                user=current_user,
                ip=request.remote_addr or "",
                detail={"username": user.username},
            )
            db.session.commit()
            flash(_("User %(name)s was created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users.html", users=list_users(db.session), form=form, action_form=EmptyForm()
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
@require_admin
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        if user.active and user.is_admin and count_admins(db.session) <= 1:
            flash(user_error("last_admin"), "danger")
            return redirect(url_for("admin.users"))
        user.active = not user.active
        if not user.active:
            db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        audit.record(
            db.session,
            "user_enable" if user.active else "user_disable",
            user=current_user,
            ip=request.remote_addr or "",
            detail={"username": user.username},
        )
        db.session.commit()
        flash(_("The user was updated."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
@require_admin
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(db.session, user, form.password.data)
        except UserError as e:
            form.password.errors.append(user_error(e.code))
        else:
            audit.record(
                db.session,
                "password_reset",
                user=current_user,
                ip=request.remote_addr or "",
                detail={"username": user.username},
            )
            db.session.commit()
            flash(_("The password of %(name)s was reset.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/instagram-check")
@login_required
@require_admin
def instagram_check():
    from app.services.doctor import run_checks

    report = run_checks(db.session, current_app.config["SETTINGS"])
    db.session.commit()  # usage figures the checks recorded
    return render_template("admin/instagram_check.html", report=report)
