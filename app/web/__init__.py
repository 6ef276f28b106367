"""Web layer: blueprints, request hooks, error pages and template helpers."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from app.access_log import loggable_path
from app.extensions import db, login_manager

log = logging.getLogger("kezek.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "media-src 'self' https:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_web(app: Flask) -> None:
    """Attach blueprints, hooks, error pages, template globals and CLI commands."""
    from app.cli import register_cli
    from app.services.users import load_session_user
    from app.web import (
        accounts,
        admin,
        analytics,
        api,
        assistant,
        auth,
        automations,
        errors,
        identity,
        inbox,
        links,
        main,
        media,
        notifications,
        privacy,
        publishing,
        settings,
        webhooks,
    )
    from app.web.context import load_workspace, template_helpers

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = None  # server-side sessions do this job

    @login_manager.user_loader
    def _load_user(sid: str):
        return load_session_user(db.session, sid)

    @app.before_request
    def _start_request():
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or secrets.token_hex(8)
        g.started = time.perf_counter()

    # Before load_workspace: API calls must not pick up the browser's sign-in.
    api.init_app(app)
    app.before_request(load_workspace)

    @app.after_request
    def _finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint not in ("main.healthz", "main.readyz", "static"):
            log.info(
                "%s %s %s",
                request.method,
                # Public media URLs and tracked links carry secret tokens.
                loggable_path(request.path),
                response.status_code,
                extra={
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 1),
                    "ip": request.remote_addr or "",
                },
            )
        return response

    for bp_module in (
        auth,
        main,
        admin,
        settings,
        notifications,
        accounts,
        inbox,
        webhooks,
        identity,
        media,
        publishing,
        analytics,
        privacy,
        automations,
        assistant,
        links,
    ):
        app.register_blueprint(bp_module.bp)
    errors.register(app)
    app.context_processor(template_helpers)
    register_cli(app)
