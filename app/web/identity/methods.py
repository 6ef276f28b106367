"""Settings → Sign-in methods: linked providers, link, unlink, and a password for those
who joined through a provider."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.services import audit, identities
from app.services.identities import IdentityError, enabled_providers
from app.services.users import UserError, set_password
from app.web.admin.forms import EmptyForm
from app.web.identity import bp, oauth
from app.web.identity.forms import SetPasswordForm
from app.web.identity.messages import identity_error
from app.web.identity.views import require_enabled


def _page(password_form: SetPasswordForm | None = None, status: int = 200):
    rows = identities.list_identities(db.session, current_user)
    linked = {r.provider for r in rows}
    available = [p for p in enabled_providers(current_app.config["SETTINGS"]) if p not in linked]
    return render_template(
        "identity/methods.html",
        rows=rows,
        available=available,
        button_form=EmptyForm(),
        password_form=password_form or SetPasswordForm(formdata=None),
        can_unlink=identities.sign_in_methods(db.session, current_user) > 1,
    ), status


@bp.route("/settings/sign-in-methods")
@login_required
def methods():
    return _page()


# A plain link, not a form: the CSP's form-action 'self' would stop a form's redirect to the
# provider. Starting is harmless; the callback only accepts the state saved in this session.
@bp.route("/settings/sign-in-methods/link/<provider>")
@login_required
def link_start(provider: str):
    require_enabled(provider, oauth_only=True)
    return oauth.start(provider, "link")


@bp.route("/settings/sign-in-methods/<int:identity_id>/unlink", methods=["POST"])
@login_required
def unlink(identity_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        identities.unlink(db.session, current_user, identity_id, request.remote_addr or "")
    except IdentityError as e:
        db.session.commit()  # keeps the audit row of the refusal
        if e.code == "identity_not_found":
            abort(404)
        flash(identity_error(e.code), "danger")
    else:
        db.session.commit()
        flash(_("The sign-in method was removed."), "success")
    return redirect(url_for("identity.methods"))


@bp.route("/settings/sign-in-methods/password", methods=["POST"])
@login_required
def set_first_password():
    if current_user.has_password:
        abort(409)  # changing a password asks for the current one: auth.change_password
    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        set_password(db.session, current_user, form.password.data, keep_sid=current_user.get_id())
    except UserError as e:
        form.password.errors.append(identity_error(e.code))
        return _page(form, 400)
    audit.record(db.session, "password_set", user=current_user, ip=request.remote_addr or "")
    db.session.commit()
    flash(
        _(
            "Your password was set: you can also sign in as %(username)s with it.",
            username=current_user.username,
        ),
        "success",
    )
    return redirect(url_for("identity.methods"))
