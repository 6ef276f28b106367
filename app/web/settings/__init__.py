"""Personal and workspace settings, and the workspace activity log."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.web.settings import (
    tokens,  # noqa: E402, F401
    views,  # noqa: E402, F401
)
