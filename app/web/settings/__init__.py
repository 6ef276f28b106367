"""Personal and workspace settings, and the workspace activity log."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.web.settings import views  # noqa: E402, F401
from app.web.settings import tokens  # noqa: E402, F401
