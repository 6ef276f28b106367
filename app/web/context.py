"""The current workspace and role, and helpers every blueprint uses."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import db
from app.i18n import LANGUAGE_NAMES, LANGUAGES, local_datetime
from app.models import Role
from app.services.workspaces import get_scoped, memberships_of


def load_workspace() -> None:
    """Pick the current workspace: the one in the session if still a member, else the first."""
    g.workspace = None
    g.membership = None
    g.memberships = []
    if not current_user.is_authenticated:
        return
    g.memberships = memberships_of(db.session, current_user)
    wanted = session.get("workspace_id")
    chosen = next((m for m in g.memberships if m.workspace_id == wanted), None)
    if chosen is None and g.memberships:
        chosen = g.memberships[0]
    if chosen is not None:
        g.membership = chosen
        g.workspace = chosen.workspace
        session["workspace_id"] = chosen.workspace_id


def current_workspace_id() -> int:
    """The current workspace id; 404 when the user has none."""
    if g.get("workspace") is None:
        abort(404)
    return g.workspace.id


def require_role(role: Role):
    """Decorator: the current membership must have at least `role`, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            m = g.get("membership")
            if m is None or not m.allows(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_admin(view):
    """Decorator: only operator admins, else 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def get_or_404(model, obj_id):
    """A row of the current workspace by id, or 404 (also for other workspaces' ids)."""
    obj = get_scoped(db.session, model, obj_id, current_workspace_id())
    if obj is None:
        abort(404)
    return obj


def template_helpers() -> dict:
    """Globals for every template."""
    return {
        "LANGUAGES": LANGUAGES,
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
        "local_datetime": local_datetime,
        "settings": current_app.config["SETTINGS"],
        "has_area": lambda name: name in current_app.blueprints,
        "Role": Role,
        "get_locale": lambda: str(get_locale()),
    }
