"""Module-level jobs: app context, then a service, then one commit."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from functools import wraps

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import WorkerHeartbeat, utcnow
from app.services.users import prune_login_attempts as _prune_login_attempts

log = logging.getLogger("kezek.scheduler")

WORKER_ID = f"{socket.gethostname()}-{os.getpid()}"


_APP: dict = {}


def bind(app) -> None:
    """Remember the app the jobs run in."""
    _APP["app"] = app


def _in_app(func):
    """Run a job inside the bound app's context and commit once at the end."""

    @wraps(func)
    def run():
        app = _APP.get("app") or current_app._get_current_object()
        with app.app_context():
            try:
                func()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("job failed", extra={"job": func.__name__})
                raise

    return run


@_in_app
def heartbeat() -> None:
    """Touch this worker's heartbeat row."""
    row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == WORKER_ID))
    now = utcnow()
    if row is None:
        row = WorkerHeartbeat(worker_id=WORKER_ID, started_at=now, beats=0)
        db.session.add(row)
    row.beat_at = now
    row.beats += 1
    row.stopped_at = None


@_in_app
def prune_login_attempts() -> None:
    """Forget login attempts older than a day."""
    _prune_login_attempts(db.session, utcnow() - timedelta(days=1))


@_in_app
def mark_stopped() -> None:
    """Record that this worker stopped cleanly."""
    row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == WORKER_ID))
    if row is not None:
        row.stopped_at = utcnow()


def _client(session):
    from app.services.instagram import make_client, usage_recorder

    return make_client(current_app.config["SETTINGS"], on_usage=usage_recorder(session))


@_in_app
def refresh_tokens() -> None:
    """Refresh Instagram tokens older than 24 h that expire within 10 days."""
    from app.services.accounts import refresh_due_tokens

    counts = refresh_due_tokens(db.session, current_app.config["SETTINGS"], _client(db.session))
    if any(counts.values()):
        log.info("token refresh", extra=counts)


@_in_app
def sync_accounts() -> None:
    """Sync accounts whose sync was requested."""
    from app.services.accounts import sync_requested

    sync_requested(db.session, current_app.config["SETTINGS"], _client(db.session))


_PUBLISHER: dict = {}


def publisher():
    """This process's publishing engine (one thread pool, one lease owner id)."""
    from app.services.publisher import Publisher

    pub = _PUBLISHER.get("publisher")
    if pub is None:
        app = _APP.get("app") or current_app._get_current_object()
        engine, sessions = app.extensions["kezek.db"]
        settings = app.config["SETTINGS"]
        if engine.dialect.name != "sqlite":
            # A connection per publishing thread (the app's pool is sized for the jobs).
            from sqlalchemy.orm import sessionmaker

            from app.extensions import make_engine

            url = engine.url.render_as_string(hide_password=False)
            engine = make_engine(url, pool_size=settings.PUBLISH_THREADS + 2, max_overflow=4)
            sessions = sessionmaker(engine, expire_on_commit=False)
        pub = Publisher(sessions, settings, worker_id=WORKER_ID)
        _PUBLISHER["publisher"] = pub
    return pub


def publish_due() -> None:
    """Every second: claim the posts that are due and hand them to the publishing threads."""
    try:
        publisher().tick()
    except Exception:
        log.exception("job failed", extra={"job": "publish_due"})
        raise


@_in_app
def fill_post_permalinks() -> None:
    """Copy permalinks of published posts from the synced account media."""
    from app.services.publisher import fill_permalinks

    fill_permalinks(db.session)
