"""Meta's signed callbacks (CSRF-exempt, signature-checked) and the deletion status page."""

from __future__ import annotations

import logging

from flask import abort, current_app, jsonify, render_template, request

from app.extensions import csrf, db
from app.services.privacy import deauthorize, find_request, record_deletion_request, status_url
from app.services.signed_request import SignedRequestError, app_secrets, parse_signed_request
from app.web.privacy import bp

log = logging.getLogger(__name__)
MAX_SIGNED_REQUEST = 8192


def _verified() -> tuple[str, dict]:
    """The raw signed_request and its payload, or a 400 (nothing is recorded)."""
    settings = current_app.config["SETTINGS"]
    raw = request.form.get("signed_request", "")
    if len(raw) > MAX_SIGNED_REQUEST:
        abort(400)
    try:
        payload = parse_signed_request(
            raw, app_secrets(settings), max_age=settings.SIGNED_REQUEST_MAX_AGE_SECONDS
        )
    except SignedRequestError as e:
        log.warning("signed_request refused", extra={"reason": e.code, "path": request.path})
        abort(400)
    return raw, payload


@csrf.exempt
@bp.post("/meta/data-deletion")
def data_deletion():
    """Record the request and answer Meta at once; the worker deletes within minutes."""
    raw, payload = _verified()
    req = record_deletion_request(db.session, raw, payload["user_id"], ip=request.remote_addr or "")
    db.session.commit()
    settings = current_app.config["SETTINGS"]
    return jsonify(
        url=status_url(settings, req.confirmation_code), confirmation_code=req.confirmation_code
    )


@csrf.exempt
@bp.post("/meta/deauthorize")
def deauthorize_callback():
    """Delete the account's token now; its data goes after DELETED_ACCOUNT_GRACE_DAYS."""
    raw, payload = _verified()
    deauthorize(
        db.session,
        current_app.config["SETTINGS"],
        raw,
        payload["user_id"],
        ip=request.remote_addr or "",
    )
    db.session.commit()
    return jsonify(ok=True)


@bp.get("/data-deletion/status")
def deletion_status():
    """Dates and state of a request, nothing else."""
    req = find_request(db.session, request.args.get("code", ""))
    status = 200 if req is not None else 404
    return render_template("privacy/status.html", req=req), status
