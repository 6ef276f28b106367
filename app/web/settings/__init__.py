"""Personal and workspace settings, the workspace activity log, and API tokens."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.web.settings import delivery, tokens, views  # noqa: E402, F401
