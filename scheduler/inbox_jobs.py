"""Inbox jobs: process stored webhook batches, poll for gaps, purge old threads."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from scheduler.jobs import _client, _in_app

log = logging.getLogger("kezek.scheduler")


@_in_app
def process_webhooks() -> None:
    """Apply stored webhook batches (claimed with SKIP LOCKED on MariaDB)."""
    from app.services.inbox import process_pending

    counts = process_pending(db.session)
    if counts["batches"] or counts["failed"]:
        log.info("webhook batches processed", extra=counts)


@_in_app
def sync_inbox() -> None:
    """Poll recently active media and conversations of accounts whose turn it is."""
    from app.services.inbox_sync import sync_due

    counts = sync_due(db.session, current_app.config["SETTINGS"], _client(db.session))
    if counts["accounts"]:
        log.info("inbox sync", extra=counts)


@_in_app
def purge_inbox() -> None:
    """Delete threads idle longer than INBOX_RETENTION_DAYS (logs the counts)."""
    from app.services.inbox_sync import purge_expired

    purge_expired(db.session, current_app.config["SETTINGS"])
