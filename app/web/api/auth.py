"""Bearer-token authentication, workspace choice and rate limiting for each API call."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import refresh

from app.extensions import db
from app.i18n import LANGUAGES
from app.models import Membership, Role
from app.services import api_tokens
from app.services.workspaces import memberships_of
from app.web.api.errors import ApiError, forbidden_role, unauthorized

WORKSPACE_HEADER = "X-Kezek-Workspace"


def _bearer() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(*, write: bool, role: Role, needs_workspace: bool) -> None:
    """Check the token, count it against the rate limit and pick the workspace.

    Sets g.api_token, g.api_user, g.api_locale, g.workspace and g.membership, or raises
    an ApiError (401, 403, 404 or 429).
    """
    raw = _bearer()
    if raw is None:
        raise unauthorized(
            "unauthorized", _("Send an API token in the Authorization header: Bearer <token>.")
        )
    check = api_tokens.check_token(db.session, raw)
    if check.token is not None and check.token.user.locale in LANGUAGES:
        # Errors from here on are in the token user's language.
        g.api_locale = check.token.user.locale
        refresh()
    if check.problem == "expired":
        raise unauthorized("token_expired", _("This API token has expired."))
    if check.problem == "revoked":
        raise unauthorized("token_revoked", _("This API token was revoked."))
    if check.token is None:
        raise unauthorized("invalid_token", _("This API token is not valid."))
    token = check.token
    g.api_token = token
    g.api_user = token.user

    settings = current_app.config["SETTINGS"]
    retry_after = api_tokens.rate_limit(db.session, token, settings.API_RATE_LIMIT_PER_MINUTE)
    api_tokens.touch(token, request.remote_addr or "")
    # The counter and last use are kept even when the call itself fails later.
    db.session.commit()
    if retry_after:
        raise ApiError(429, headers={"Retry-After": str(retry_after)})

    if write and token.read_only:
        raise ApiError(403, "read_only_token", _("This API token is read-only."))
    g.membership = _membership(token.user)
    g.workspace = g.membership.workspace if g.membership else None
    if needs_workspace and g.membership is None:
        raise ApiError(404, "workspace_not_found", _("Workspace not found."))
    if needs_workspace and not g.membership.allows(role):
        raise forbidden_role()


def _membership(user) -> Membership | None:
    memberships = memberships_of(db.session, user)
    wanted = request.headers.get(WORKSPACE_HEADER)
    if wanted is None:
        # The oldest workspace: stable, unlike the name order of the dashboard menu.
        return min(memberships, key=lambda m: m.workspace_id, default=None)
    chosen = next((m for m in memberships if str(m.workspace_id) == wanted.strip()), None)
    if chosen is None:
        raise ApiError(404, "workspace_not_found", _("Workspace not found."))
    return chosen
