"""The public redirect of a tracked link: only to the URL stored for that token."""

from __future__ import annotations

from flask import abort, redirect, request

from app.extensions import db
from app.services.automations import links
from app.web.links import bp


@bp.get("/r/<link_token>")
def follow(link_token: str):
    """Count a click on an automation's link and send the browser to its stored URL."""
    url = links.follow(
        db.session,
        link_token,
        user_agent=request.headers.get("User-Agent", ""),
        count=request.method == "GET",  # a HEAD request (a checker, a preview) is no click
    )
    if url is None:
        abort(404)
    db.session.commit()
    resp = redirect(url, code=302)
    # Every click must reach us (no cached redirect), and the token must not leak onwards.
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp
