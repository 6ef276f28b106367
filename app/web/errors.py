"""Localized error pages (HTML) and JSON errors for API paths."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist.")),
        405: (_("Method not allowed"), _("This action is not available here.")),
        413: (_("File too large"), _("The upload is larger than the allowed size.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("The error was logged. Please try again later.")),
    }


def render_error(code: int, message: str | None = None, exc: HTTPException | None = None):
    """Render the error page (or JSON under /api/) for an HTTP status."""
    if request.path.startswith("/api/"):
        from app.web.api.errors import http_error_response

        return http_error_response(code, exc)
    title, text = _titles().get(code, _titles()[500] if code >= 500 else _titles()[400])
    return render_template("errors/error.html", code=code, title=title, text=message or text), code


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(400, _("The form has expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        return render_error(e.code or 500, exc=e)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unhandled error")
        db.session.rollback()
        return render_error(500)
