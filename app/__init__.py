"""Kezek: self-hosted Instagram content operations."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; `config` overrides settings read from the environment."""
    from app.config import load_settings
    from app.extensions import babel, csrf, db, login_manager
    from app.i18n import select_locale, select_timezone
    from app.logging_setup import configure_logging
    from app.services import users
    from app.web import register_web

    config = dict(config or {})
    engine = config.pop("ENGINE", None)
    settings = load_settings(**config)
    configure_logging(settings.LOG_LEVEL)
    users.BCRYPT_ROUNDS = settings.BCRYPT_ROUNDS

    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.SECRET_KEY,
        TESTING=settings.KEZEK_ENV == "testing",
        SESSION_COOKIE_NAME="kezek_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 14,
        MAX_CONTENT_LENGTH=None,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.is_production,
        BABEL_DEFAULT_LOCALE=settings.DEFAULT_LOCALE,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
    )
    if settings.extra.get("WTF_CSRF_ENABLED") is False:
        app.config["WTF_CSRF_ENABLED"] = False

    db.init_app(app, engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    register_web(app)

    if settings.PROXY_HOPS:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.PROXY_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
