"""The notifications page and the unread count in the navbar."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from app.web.notifications import views  # noqa: E402, F401
