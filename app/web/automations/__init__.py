"""Automations: keyword rules, DM flows, contacts with tags and custom fields."""

from flask import Blueprint

bp = Blueprint("automations", __name__, url_prefix="/automations")

from app.web.automations import contacts, flows, views, webhooks  # noqa: E402, F401
