"""Publishing: the composer, the queue, the calendar, post pages, bulk import, snippets."""

from flask import Blueprint

bp = Blueprint("publishing", __name__, url_prefix="/publishing")

from app.web.publishing import bulk, compose, post, queue  # noqa: E402, F401
