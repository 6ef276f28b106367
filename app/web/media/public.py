"""GET /m/<public_token>/<name>: the file Instagram fetches; no sign-in, no listing."""

from __future__ import annotations

from flask import abort, current_app, send_file
from sqlalchemy import select

from app.extensions import db
from app.models import MediaItem, MediaState
from app.services.media import file_name
from app.services.media_store import path_for
from app.web.media import bp


@bp.route("/m/<public_token>/<name>")
def public_file(public_token: str, name: str):
    """Serve a ready file by its unguessable token, with Range support; 404 otherwise."""
    if len(public_token) > 64:
        abort(404)
    item = db.session.scalar(select(MediaItem).where(MediaItem.public_token == public_token))
    if (
        item is None
        or item.state != MediaState.READY.value
        or item.removed_at is not None
        or name != file_name(item)
    ):
        abort(404)
    path = path_for(current_app.config["SETTINGS"], item.storage_key)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype=item.content_type, conditional=True, etag=True)
    # Revalidate every time: once the file is deleted it must stop being served.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp
