"""Meta's subscription check (GET); deliveries (POST) are handled in `ingest`."""

from __future__ import annotations

from flask import Response, current_app, request

from app.services.webhooks import verify_challenge
from app.web.webhooks import bp


@bp.get("/instagram")
def verify():
    """Echo `hub.challenge` when the mode is subscribe and the verify token is ours."""
    settings = current_app.config["SETTINGS"]
    challenge = verify_challenge(request.args, settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN)
    if challenge is None:
        return Response("forbidden", status=403, mimetype="text/plain")
    return Response(challenge, status=200, mimetype="text/plain")
