"""GET /m/<public_token>/<name>: the file Instagram fetches; no sign-in, no listing.

Local storage: sent from disk. S3 storage: streamed from the bucket through Kezek (proxy,
with Range and conditional requests), or a redirect to a short-lived presigned URL.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Response, abort, current_app, redirect, request, send_file
from sqlalchemy import select
from werkzeug.datastructures import ContentRange

from app.extensions import db
from app.models import MediaItem, MediaState
from app.services.media import file_name
from app.services.media_store import path_for, storage
from app.services.storage import Storage, StorageError
from app.web.media import bp

log = logging.getLogger("kezek.media")
CHUNK = 256 * 1024


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
    settings = current_app.config["SETTINGS"]
    store = storage(settings)
    try:
        if store.local_path(item.storage_key) is None:
            return _from_bucket(store, item)
    except FileNotFoundError:  # deleted meanwhile
        abort(404)
    except StorageError:
        abort(503)
    path = path_for(settings, item.storage_key)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype=item.content_type, conditional=True, etag=True)
    return _headers(resp)


def _headers(resp: Response) -> Response:
    # Revalidate every time: once the file is deleted it must stop being served.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _from_bucket(store: Storage, item: MediaItem) -> Response:
    url = store.public_url(item.storage_key, content_type=item.content_type)
    if url:  # presigned mode: never cached, as the URL expires
        resp = redirect(url, 302)
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Robots-Tag"] = "noindex"
        return resp
    info = store.stat(item.storage_key)
    if info is None:
        abort(404)
    modified = datetime.fromtimestamp(int(info.modified), UTC)
    resp = Response(mimetype=item.content_type)
    resp.accept_ranges = "bytes"
    resp.last_modified = modified
    if info.etag:
        resp.set_etag(info.etag)
        if request.if_none_match.contains_weak(info.etag):
            resp.status_code = 304
            return _headers(resp)
    elif request.if_modified_since and modified <= request.if_modified_since:
        resp.status_code = 304
        return _headers(resp)
    start, stop = 0, info.size
    rng = request.range if _if_range_holds(info.etag, modified) else None
    if rng is not None and len(rng.ranges) == 1:
        span = rng.range_for_length(info.size)
        if span is None:
            resp.status_code = 416
            resp.content_range = ContentRange("bytes", None, None, info.size)
            return _headers(resp)
        start, stop = span
        resp.status_code = 206
        resp.content_range = ContentRange("bytes", start, stop, info.size)
    resp.content_length = stop - start
    if request.method != "HEAD":
        body = store.open(item.storage_key, start, stop - start)
        resp.response = _chunks(body)
        resp.call_on_close(body.close)
    resp.direct_passthrough = True
    return _headers(resp)


def _if_range_holds(etag: str | None, modified: datetime) -> bool:
    """If-Range: serve the range only while the file is the one the client has part of."""
    cond = request.if_range
    if cond.etag:
        return etag is not None and cond.etag == etag
    if cond.date:
        return modified <= cond.date
    return True


def _chunks(body):
    try:
        while chunk := body.read(CHUNK):
            yield chunk
    except Exception as exc:  # noqa: BLE001 - the bucket failed mid-way: a short body
        log.warning("streaming a media file from S3 stopped", extra={"err": type(exc).__name__})
    finally:
        body.close()
