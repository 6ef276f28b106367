"""Public pages: privacy policy, data-deletion instructions, terms of service."""

from __future__ import annotations

from flask import current_app, render_template

from app.web.privacy import bp
from app.web.privacy.policy import categories, retention_rows, terms_text


@bp.get("/privacy")
def policy():
    settings = current_app.config["SETTINGS"]
    return render_template(
        "privacy/policy.html", categories=categories(), retention=retention_rows(settings)
    )


@bp.get("/data-deletion")
def instructions():
    settings = current_app.config["SETTINGS"]
    return render_template("privacy/instructions.html", retention=retention_rows(settings))


@bp.get("/terms")
def terms():
    return render_template("privacy/terms.html", text=terms_text(current_app.config["SETTINGS"]))
