"""Dashboard, health checks and workspace switching."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.web.main import views  # noqa: E402, F401
