"""Settings → API tokens (create, shown once; list; revoke) and the API reference page."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.models import utcnow
from app.services import api_tokens
from app.web.settings import bp
from app.web.settings.forms import ApiTokenForm

TOKEN_ERRORS = {
    "token_name_invalid": _l("The token name must be 1 to 120 characters long."),
    "token_expiry_past": _l("The expiry date must be in the future."),
}


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        days = int(form.expires.data)
        try:
            _row, new_token = api_tokens.create_token(
                db.session,
                current_user,
                form.name.data,
                read_only=form.access.data == "read_only",
                expires_at=utcnow() + timedelta(days=days) if days else None,
                ip=request.remote_addr or "",
            )
        except api_tokens.TokenError as e:
            flash(str(TOKEN_ERRORS.get(e.code, e.code)), "danger")
        else:
            db.session.commit()
            # Rendered, not redirected: the token must never pass through the session.
            form = ApiTokenForm(formdata=None)
    rows = api_tokens.list_tokens(db.session, current_user)
    return render_template(
        "settings/tokens.html", form=form, rows=rows, new_token=new_token, now=utcnow()
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = api_tokens.get_token(db.session, current_user, token_id)
    if token is None:
        abort(404)
    api_tokens.revoke_token(db.session, token, actor=current_user, ip=request.remote_addr or "")
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("settings.tokens"))


@bp.route("/api-docs")
@login_required
def api_docs():
    from app.web.api.openapi import document

    doc = document()
    return render_template("settings/api_docs.html", doc=doc, operations=_operations(doc))


def _operations(doc: dict) -> list[dict]:
    """The document's operations in path order, with their schemas resolved one level."""
    ops = []
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": op.get("operationId", ""),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": _ref_name(
                        op.get("requestBody", {})
                        .get("content", {})
                        .get("application/json", {})
                        .get("schema", {})
                    ),
                    "responses": [
                        (code, r.get("description", ""), _ref_name(_json_schema(r)))
                        for code, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    return ops


def _json_schema(response: dict) -> dict:
    return response.get("content", {}).get("application/json", {}).get("schema", {})


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else ""
