"""The unified inbox: comment threads and DM conversations of every connected account."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

from app.web.inbox import views  # noqa: E402, F401
