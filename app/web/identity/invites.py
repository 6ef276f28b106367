"""Settings → Invitations (owners) and the page where an invited person joins."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Invitation, Role, utcnow
from app.services import delivery_channels, invitations, signin_throttle
from app.services.invitations import InvitationError
from app.services.users import UserError
from app.web.admin.forms import EmptyForm
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.identity import bp, oauth
from app.web.identity.forms import AcceptPasswordForm, InvitationForm
from app.web.identity.messages import identity_error
from app.web.identity.views import require_enabled, sign_in, throttled


def invitation_link(token: str) -> str:
    """The absolute link an invited person opens."""
    settings = current_app.config["SETTINGS"]
    return settings.PUBLIC_BASE_URL + url_for("identity.accept", token=token)


@bp.route("/settings/invitations", methods=["GET", "POST"])
@login_required
@require_role(Role.OWNER)
def invitations_page():
    form = InvitationForm()
    settings = current_app.config["SETTINGS"]
    can_email = delivery_channels.email_configured(settings)
    new_link = None
    if form.validate_on_submit():
        ws_id = current_workspace_id()
        try:
            inv, token = invitations.create(
                db.session,
                ws_id,
                form.role.data,
                form.email.data or "",
                current_user,
                request.remote_addr or "",
            )
        except InvitationError as e:
            flash(identity_error(e.code), "danger")
        else:
            db.session.commit()
            new_link = invitation_link(token)
            if can_email and form.send_email.data and inv.email:
                _send(settings, inv, new_link)
            # Rendered, not redirected: the link must never pass through the session.
            form = InvitationForm(formdata=None)
    rows = invitations.pending(db.session, current_workspace_id())
    return render_template(
        "identity/invitations.html",
        form=form,
        rows=rows,
        new_link=new_link,
        can_email=can_email,
        revoke_form=EmptyForm(),
    )


def send_invitation_email(settings, inv: Invitation, link: str, inviter) -> bool:
    """E-mail the link to the invited address; False when it could not be sent."""
    ws = invitations.workspace_of(db.session, inv)
    subject = _("You are invited to %(workspace)s on Kezek", workspace=ws.name)
    body = _(
        "%(name)s invited you to the workspace %(workspace)s on Kezek.\n\n"
        "Open this link within 7 days to join:\n%(link)s\n",
        name=inviter.display_name or inviter.username,
        workspace=ws.name,
        link=link,
    )
    try:
        delivery_channels.send_email(settings, inv.email, subject, body)
    except delivery_channels.ChannelError:
        return False
    return True


def _send(settings, inv: Invitation, link: str) -> None:
    if send_invitation_email(settings, inv, link, current_user):
        flash(_("The invitation was sent to %(email)s.", email=inv.email), "success")
    else:
        flash(_("The e-mail could not be sent. Copy the link and send it yourself."), "warning")


@bp.route("/settings/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
@require_role(Role.OWNER)
def revoke_invitation(invitation_id: int):
    inv = get_or_404(Invitation, invitation_id)
    if EmptyForm().validate_on_submit():
        invitations.revoke(db.session, inv, current_user, request.remote_addr or "")
        db.session.commit()
        flash(_("The invitation was revoked."), "success")
    return redirect(url_for("identity.invitations_page"))


def _lookup_or_page(token: str):
    """The invitation, or an error page response (429 after too many bad tokens)."""
    if page := throttled():
        return None, page
    try:
        return invitations.lookup(db.session, token), None
    except InvitationError as e:
        if signin_throttle.failed(db.session, request.remote_addr or "", e.code):
            db.session.commit()
        status = 404 if e.code == "invitation_invalid" else 410
        page = render_template("identity/accept_error.html", message=identity_error(e.code))
        return None, (page, status)


# The token travels in the query string, not the path: request logs record only the path.
@bp.route("/invite", methods=["GET", "POST"])
def accept():
    token = request.args.get("token", "")[:100]
    inv, error = _lookup_or_page(token)
    if error:
        return error
    form = AcceptPasswordForm()
    if not current_user.is_authenticated and form.validate_on_submit():
        try:
            user = invitations.accept_with_password(
                db.session,
                inv,
                form.username.data,
                form.password.data,
                request.remote_addr or "",
            )
        except UserError as e:
            db.session.rollback()
            field = form.username if e.code.startswith("username") else form.password
            field.errors.append(identity_error(e.code))
        except InvitationError as e:
            db.session.rollback()
            flash(identity_error(e.code), "danger")
            return redirect(url_for("identity.accept", token=token))
        else:
            return sign_in(user, url_for("main.dashboard"))
    return render_template(
        "identity/accept.html",
        inv=inv,
        token=token,
        form=form,
        join_form=EmptyForm(),
        workspace=invitations.workspace_of(db.session, inv),
        now=utcnow(),
    )


@bp.route("/invite/join", methods=["POST"])
@login_required
def join():
    token = request.args.get("token", "")[:100]
    inv, error = _lookup_or_page(token)
    if error:
        return error
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        invitations.accept_as(db.session, inv, current_user, request.remote_addr or "")
    except InvitationError as e:
        db.session.rollback()
        flash(identity_error(e.code), "danger")
        return redirect(url_for("identity.accept", token=token))
    db.session.commit()
    session["workspace_id"] = inv.workspace_id
    flash(_("You joined the workspace."), "success")
    return redirect(url_for("main.dashboard"))


@bp.route("/invite/with/<provider>")
def accept_with(provider: str):
    require_enabled(provider, oauth_only=True)
    token = request.args.get("token", "")[:100]
    inv, error = _lookup_or_page(token)
    if error:
        return error
    return oauth.start(provider, "invite", token)
