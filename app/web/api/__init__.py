"""REST API v1: JSON endpoints under /api/v1, bearer tokens only, documented by OpenAPI 3.1."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import HTTPException

from app.web.api.errors import ApiError, error_response, http_error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# JSON bodies are small; uploads will get their own limit.
MAX_BODY_BYTES = 1024 * 1024


def is_api_request() -> bool:
    """Tell whether the current request is under /api/."""
    return request.path == "/api" or request.path.startswith("/api/")


def ignore_cookies() -> None:
    """Before every request: API calls never act as the signed-in browser user.

    Only bearer tokens authenticate the API, so a cookie cannot be abused through it
    (which is also why the API is exempt from CSRF).
    """
    if is_api_request():
        g._login_user = AnonymousUserMixin()
        request.max_content_length = MAX_BODY_BYTES


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    return error_response(e)


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException):
    return http_error_response(e.code or 500, e)


def init_app(app: Flask) -> None:
    """Register the blueprint (exempt from CSRF) and its cookie guard."""
    from app.extensions import csrf

    csrf.exempt(bp)
    app.before_request(ignore_cookies)
    app.register_blueprint(bp)


from app.web.api import (  # noqa: E402, F401
    accounts,
    analytics,
    assistant,
    automations,
    contacts,
    identity,
    inbox,
    media,
    notifications,
    openapi,
    posts,
    privacy,
    users,
    webhook_endpoints,
    workspaces,
)
