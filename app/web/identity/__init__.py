"""Sign-in with Telegram, Google and Yandex; sign-in methods; workspace invitations."""

from flask import Blueprint

bp = Blueprint("identity", __name__)

from app.web.identity import invites, methods, views, widget  # noqa: E402, F401
