"""The AI assistant: settings and knowledge per account, drafts in the inbox."""

from flask import Blueprint

bp = Blueprint("assistant", __name__, url_prefix="/assistant")

from app.web.assistant import views  # noqa: E402, F401
