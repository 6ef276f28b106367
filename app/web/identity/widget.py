"""Provider buttons for templates, and the Telegram Login Widget's CSP exception."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, session, url_for
from flask_babel import lazy_gettext as _l

from app.services.identities import PROVIDER_NAMES, enabled_providers
from app.web.identity import bp


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def telegram_csp(base: str, settings) -> str:
    """The site CSP plus the widget's script origin and its iframe's origin, nothing else."""
    script = _origin(settings.TELEGRAM_WIDGET_URL)
    frame = _origin(settings.TELEGRAM_OAUTH_URL)
    return base.replace("script-src 'self'", f"script-src 'self' {script}", 1) + (
        f"; frame-src {frame}"
    )


def telegram_state() -> str:
    """A per-browser secret in the widget's return URL, so its result cannot be forged
    into someone else's browser (Telegram's data is not bound to our session)."""
    if "tg_state" not in session:
        session["tg_state"] = secrets.token_urlsafe(16)
    return session["tg_state"]


def telegram_widget(intent: str, token: str = "") -> dict:
    """What the widget template needs; also marks this response for the CSP exception."""
    s = current_app.config["SETTINGS"]
    state = telegram_state()
    if intent == "link":
        path = url_for("identity.telegram_link", state=state)
    elif intent == "invite":
        session["tg_invite"] = token  # kept out of the URL Telegram sends the browser to
        path = url_for("identity.telegram_invite", state=state)
    else:
        path = url_for("identity.telegram_login", state=state)
    g.telegram_widget = True
    return {
        "script": s.TELEGRAM_WIDGET_URL,
        "bot": s.TELEGRAM_LOGIN_BOT_NAME,
        "auth_url": s.PUBLIC_BASE_URL + path,
    }


ROLE_NAMES = {"owner": _l("Owner"), "editor": _l("Editor"), "viewer": _l("Viewer")}


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "signin_providers": lambda: enabled_providers(current_app.config["SETTINGS"]),
        "provider_name": lambda p: PROVIDER_NAMES.get(p, p),
        "telegram_widget": telegram_widget,
        "role_name": lambda r: str(ROLE_NAMES.get(r, r)),
    }


@bp.after_app_request
def _widget_csp(response):
    if g.get("telegram_widget"):
        from app.web import CSP

        settings = current_app.config["SETTINGS"]
        response.headers["Content-Security-Policy"] = telegram_csp(CSP, settings)
    return response
