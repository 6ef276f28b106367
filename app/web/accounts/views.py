"""Accounts: list, connect (OAuth), callback, detail, sync and disconnect."""

from __future__ import annotations

import logging
import secrets
import time

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.instagram import InstagramError
from app.models import InstagramAccount, Role
from app.services.accounts import (
    AccountError,
    connect_account,
    disconnect_account,
    list_accounts,
    recent_media,
    request_sync,
)
from app.services.instagram import make_client, usage_recorder
from app.web.accounts import bp
from app.web.admin.forms import EmptyForm
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.instagram_messages import error_text

log = logging.getLogger(__name__)
STATE_TTL = 15 * 60


def redirect_uri() -> str:
    """The OAuth redirect URI registered with Meta."""
    return f"{current_app.config['SETTINGS'].PUBLIC_BASE_URL}/accounts/oauth/callback"


@bp.route("/")
@login_required
def index():
    accounts = list_accounts(db.session, current_workspace_id())
    return render_template("accounts/index.html", accounts=accounts, form=EmptyForm())


@bp.route("/connect")
@login_required
@require_role(Role.EDITOR)
def connect():
    state = secrets.token_urlsafe(24)
    session["oauth_state"] = {"value": state, "at": int(time.time()), "ws": current_workspace_id()}
    client = make_client(current_app.config["SETTINGS"])
    return redirect(client.authorize_url_for(redirect_uri=redirect_uri(), state=state))


@bp.route("/oauth/callback")
@login_required
def oauth_callback():
    expected = session.pop("oauth_state", None)  # single use: a replay finds nothing
    if request.args.get("error"):
        if request.args.get("error") == "access_denied":
            flash(_("You cancelled connecting the Instagram account."), "info")
        else:
            flash(_("Instagram did not connect the account. Please try again."), "warning")
        return redirect(url_for("accounts.index"))
    state = request.args.get("state", "")
    if (
        not expected
        or not secrets.compare_digest(state, expected["value"])
        or time.time() - expected["at"] > STATE_TTL
        or expected["ws"] != current_workspace_id()
    ):
        flash(_("This sign-in link is not valid any more. Start connecting again."), "danger")
        return redirect(url_for("accounts.index"))
    if g.membership is None or not g.membership.allows(Role.EDITOR):
        abort(403)
    code = request.args.get("code", "")
    if not code:
        flash(_("Instagram did not connect the account. Please try again."), "warning")
        return redirect(url_for("accounts.index"))
    settings = current_app.config["SETTINGS"]
    client = make_client(settings, on_usage=usage_recorder(db.session))
    try:
        account = connect_account(
            db.session,
            settings,
            client,
            workspace_id=current_workspace_id(),
            user=current_user,
            code=code,
            redirect_uri=redirect_uri(),
            ip=request.remote_addr or "",
        )
    except AccountError:
        db.session.rollback()
        flash(_("This Instagram account is already connected to another workspace."), "danger")
        return redirect(url_for("accounts.index"))
    except InstagramError as e:
        db.session.rollback()
        log.warning("connecting failed", extra={"err": repr(e)})
        flash(error_text(e), "danger")
        return redirect(url_for("accounts.index"))
    db.session.commit()
    flash(_("@%(username)s is connected.", username=account.username), "success")
    return redirect(url_for("accounts.detail", account_id=account.id))


@bp.route("/<int:account_id>")
@login_required
def detail(account_id: int):
    account = get_or_404(InstagramAccount, account_id)
    return render_template(
        "accounts/detail.html",
        account=account,
        media=recent_media(db.session, account),
        form=EmptyForm(),
        error_text=error_text,
    )


@bp.route("/<int:account_id>/sync", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def sync(account_id: int):
    account = get_or_404(InstagramAccount, account_id)
    if EmptyForm().validate_on_submit():
        request_sync(db.session, account)
        db.session.commit()
        flash(_("Kezek will sync @%(username)s in a moment.", username=account.username), "info")
    return redirect(url_for("accounts.detail", account_id=account.id))


@bp.route("/<int:account_id>/disconnect", methods=["GET", "POST"])
@login_required
@require_role(Role.OWNER)
def disconnect(account_id: int):
    account = get_or_404(InstagramAccount, account_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("confirm") != account.username:
            flash(_("Type the account's username to confirm."), "danger")
        else:
            username = account.username
            disconnect_account(db.session, account, user=current_user, ip=request.remote_addr or "")
            db.session.commit()
            flash(
                _("@%(username)s was disconnected and its data deleted.", username=username),
                "success",
            )
            return redirect(url_for("accounts.index"))
    return render_template("accounts/disconnect.html", account=account, form=form)
