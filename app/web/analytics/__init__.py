"""Analytics pages: overview, post performance, audience, best time to post, CSV exports."""

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

from app.web.analytics import exports, views  # noqa: E402, F401
