"""Sign-in views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import db
from app.i18n import LANGUAGES
from app.services import audit
from app.services.users import (
    UserError,
    authenticate,
    check_password,
    end_session,
    set_password,
    start_session,
)
from app.web.auth import bp
from app.web.auth.forms import ChangePasswordForm, LoginForm
from app.web.messages import user_error


def _safe_next(target: str | None) -> str:
    """Only follow relative redirects within this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        user, throttle = authenticate(
            db.session,
            form.username.data,
            form.password.data,
            ip,
            current_app.config["SETTINGS"],
        )
        if throttle.blocked:
            minutes = max(1, (throttle.retry_after + 59) // 60)
            db.session.commit()
            flash(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(num)d minute.",
                    "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                    minutes,
                ),
                "danger",
            )
            status = 429
        elif user is None:
            db.session.commit()
            flash(_("Wrong username or password."), "danger")
            status = 401
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session: nothing from before sign-in is carried over
            start_session(
                db.session, user, request.remote_addr or "", request.user_agent.string or ""
            )
            if locale and not user.locale:
                user.locale = locale
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record(db.session, "logout", user=current_user, ip=request.remote_addr or "")
        end_session(db.session, current_user.get_id())
        db.session.commit()
    locale = str(get_locale())
    logout_user()
    session.clear()
    session["locale"] = locale  # the sign-in page stays in the language the user chose
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                set_password(
                    db.session,
                    current_user,
                    form.new_password.data,
                    keep_sid=current_user.get_id(),
                )
            except UserError as e:
                form.new_password.errors.append(user_error(e.code))
            else:
                audit.record(
                    db.session,
                    "password_change",
                    user=current_user,
                    ip=request.remote_addr or "",
                )
                db.session.commit()
                flash(_("Your password was changed. Other sessions were signed out."), "success")
                return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("language", "")
    if lang in LANGUAGES:
        session["locale"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
