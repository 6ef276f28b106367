"""Verification (GET) and deliveries (POST): checked, stored raw, answered at once."""

from __future__ import annotations

import logging

from flask import Response, current_app, request

from app.extensions import csrf, db
from app.services.webhooks import (
    parse_body,
    signature_valid,
    store_batch,
    verify_challenge,
    webhook_secrets,
)
from app.web.webhooks import bp

log = logging.getLogger(__name__)


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _read_body(limit: int) -> bytes | None:
    """The raw body, or None past `limit` bytes (chunked bodies have no Content-Length)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = request.stream.read(min(65536, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None


@bp.get("/instagram")
def verify():
    """Meta's subscription check: echo `hub.challenge` when the verify token is ours."""
    settings = current_app.config["SETTINGS"]
    challenge = verify_challenge(request.args, settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN)
    if challenge is None:
        return _plain("forbidden", 403)
    return _plain(challenge, 200)


@csrf.exempt
@bp.post("/instagram")
def receive():
    """A signed batch: 403 without a valid signature, else stored as is and answered 200."""
    settings = current_app.config["SETTINGS"]
    limit = settings.WEBHOOK_MAX_BYTES
    if request.content_length is not None and request.content_length > limit:
        return _plain("too large", 413)
    body = _read_body(limit)
    if body is None:
        return _plain("too large", 413)
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256"),
                           webhook_secrets(settings)):
        log.warning("webhook with a missing or bad signature refused")
        return _plain("forbidden", 403)
    if parse_body(body) is None:
        return _plain("bad request", 400)
    store_batch(db.session, body)
    db.session.commit()
    return _plain("ok", 200)
