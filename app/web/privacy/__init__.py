"""Privacy: Meta's callbacks, the public policy pages, Settings → Privacy, the audit log."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from app.web.privacy import admin, audit, callbacks, pages, views  # noqa: E402, F401
