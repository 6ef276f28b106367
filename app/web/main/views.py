"""Dashboard, /healthz, /readyz and the workspace switcher."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import abort, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import csrf, db
from app.migrate import at_head
from app.models import WorkerHeartbeat
from app.web.main import bp

log = logging.getLogger(__name__)


@bp.route("/")
@login_required
def dashboard():
    beat = db.session.scalar(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()))
    return render_template("main/dashboard.html", heartbeat=beat)


@bp.route("/healthz")
@csrf.exempt
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@csrf.exempt
def readyz():
    try:
        ready = at_head(db.engine)
    except SQLAlchemyError:
        log.warning("readiness check: database unreachable")
        return jsonify(status="unavailable", database=False, migrations=False), 503
    if not ready:
        return jsonify(status="unavailable", database=True, migrations=False), 503
    return jsonify(status="ok", database=True, migrations=True)


@bp.route("/workspaces/<int:workspace_id>/switch", methods=["POST"])
@login_required
def switch_workspace(workspace_id: int):
    if not any(m.workspace_id == workspace_id for m in g.memberships):
        abort(404)
    session["workspace_id"] = workspace_id
    target = request.form.get("next") or url_for("main.dashboard")
    # urlsplit drops tabs/newlines as browsers do: "/\t/evil" must not pass as a local path.
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("main.dashboard")
    return redirect(target)


@bp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="kezek/favicon.svg"), code=301)
