"""The media library (/media) and the public file URLs Instagram fetches (/m/...)."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from app.web.media import public, views  # noqa: E402, F401
