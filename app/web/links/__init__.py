"""Tracked links of automated DMs: /r/<token> counts the click and redirects (no sign-in)."""

from flask import Blueprint

bp = Blueprint("links", __name__)

from app.web.links import views  # noqa: E402, F401
