"""Sign-in through providers: start, callbacks, and what a verified profile leads to."""

from __future__ import annotations

import hmac

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user

from app.extensions import db
from app.services import audit, identities, invitations, signin_throttle
from app.services.identities import IdentityError, Profile, enabled_providers
from app.services.invitations import InvitationError
from app.services.users import start_session
from app.web.identity import bp, oauth
from app.web.identity.messages import identity_error


def require_enabled(provider: str, oauth_only: bool = False) -> None:
    """404 for unknown or disabled providers."""
    if provider not in enabled_providers(current_app.config["SETTINGS"]):
        abort(404)
    if oauth_only and provider not in oauth.OAUTH_PROVIDERS:
        abort(404)


def _ip() -> str:
    return request.remote_addr or ""


def throttled():
    """A 429 page when this address failed to sign in too often lately, else None."""
    ip = _ip()
    throttle = signin_throttle.check(db.session, ip, current_app.config["SETTINGS"])
    if not throttle.blocked:
        return None
    audit.record(
        db.session,
        "login",
        username="",
        ip=ip,
        result="throttled",
        detail={"via": request.endpoint},
    )
    db.session.commit()
    minutes = max(1, (throttle.retry_after + 59) // 60)
    message = ngettext(
        "Too many failed sign-in attempts. Try again in %(num)d minute.",
        "Too many failed sign-in attempts. Try again in %(num)d minutes.",
        minutes,
    )
    page = render_template("identity/accept_error.html", message=message, title=_("Sign in"))
    return page, 429, {"Retry-After": str(throttle.retry_after)}


@bp.route("/signin/<provider>")
def oauth_start(provider: str):
    require_enabled(provider, oauth_only=True)
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return oauth.start(provider, "login")


@bp.route("/signin/<provider>/callback")
def oauth_callback(provider: str):
    require_enabled(provider, oauth_only=True)
    if not current_user.is_authenticated and (page := throttled()):
        return page
    try:
        profile, intent = oauth.finish(provider)
    except IdentityError as e:
        return _failed(e.code, "link" if current_user.is_authenticated else "login")
    return complete(profile, intent["intent"], intent["invite"])


@bp.route("/signin/telegram/<state>")
def telegram_login(state: str):
    return _telegram(state, "login")


@bp.route("/settings/sign-in-methods/telegram/<state>")
@login_required
def telegram_link(state: str):
    return _telegram(state, "link")


@bp.route("/invite/telegram/<state>")
def telegram_invite(state: str):
    return _telegram(state, "invite", session.get("tg_invite", ""))


def _telegram(state: str, intent: str, token: str = ""):
    require_enabled("telegram")
    if intent != "link" and (page := throttled()):
        return page
    expected = session.get("tg_state", "")
    if not expected or not hmac.compare_digest(expected.encode(), state.encode()):
        return _failed("state_mismatch", intent, token)
    try:
        profile = identities.verify_telegram(
            request.args.to_dict(), current_app.config["SETTINGS"].TELEGRAM_LOGIN_BOT_TOKEN
        )
    except IdentityError as e:
        return _failed(e.code, intent, token)
    return complete(profile, intent, token)


def complete(profile: Profile, intent: str, token: str = ""):
    """Sign in, link, or accept an invitation with a verified provider profile."""
    if intent == "link":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        try:
            identities.link(db.session, current_user, profile, _ip())
        except IdentityError as e:
            db.session.commit()  # keeps the audit row of the refusal
            return _failed(e.code, intent)
        db.session.commit()
        flash(_("The sign-in method was linked."), "success")
        return redirect(url_for("identity.methods"))
    if intent == "invite":
        try:
            inv = invitations.lookup(db.session, token)
            user = invitations.accept_with_profile(db.session, inv, profile, _ip())
        except (InvitationError, IdentityError) as e:
            db.session.rollback()
            return _failed(e.code, intent, token)
        return sign_in(user, url_for("main.dashboard"))
    try:
        user = identities.sign_in(db.session, profile, _ip())
    except IdentityError as e:
        db.session.commit()  # keeps the audit row of the failure
        return _failed(e.code, "login")
    return sign_in(user, url_for("main.dashboard"))


def sign_in(user, target: str):
    """The same server-side session start as the password sign-in, on a cleared session."""
    locale = session.get("locale")
    session.clear()  # nothing from before sign-in is carried over
    start_session(db.session, user, _ip(), request.user_agent.string or "")
    if locale and not user.locale:
        user.locale = locale
    db.session.commit()
    login_user(user)
    return redirect(target)


def _failed(code: str, intent: str, token: str = ""):
    if intent != "link" and signin_throttle.failed(db.session, _ip(), code):
        db.session.commit()
    flash(identity_error(code), "danger")
    if intent == "link" and current_user.is_authenticated:
        return redirect(url_for("identity.methods"))
    if intent == "invite" and token:
        return redirect(url_for("identity.accept", token=token))
    return redirect(url_for("auth.login"))
