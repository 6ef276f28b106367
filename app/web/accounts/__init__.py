"""Connecting Instagram accounts, their list and detail pages."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

from app.web.accounts import views  # noqa: E402, F401
