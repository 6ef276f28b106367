"""Meta's webhook callback for Instagram (`/webhooks/instagram`)."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from app.web.webhooks import views  # noqa: E402, F401
