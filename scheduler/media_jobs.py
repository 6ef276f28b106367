"""Media jobs: background video transcoding and the file lifecycle."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from scheduler.jobs import WORKER_ID, _in_app

log = logging.getLogger("kezek.scheduler")


@_in_app
def transcode_media() -> None:
    """Claim one video that breaks the Reels/Stories spec and transcode it, with progress."""
    from app.services.media_lifecycle import (
        TranscodeCancelled,
        claim_processing,
        report_progress,
        transcode_claimed,
    )

    item = claim_processing(db.session, WORKER_ID)
    if item is None:
        return
    db.session.commit()  # the claim is visible (and the row lock released) while we work
    media_id = item.id

    def progress(percent: int) -> None:
        still_ours = report_progress(db.session, media_id, WORKER_ID, percent)
        db.session.commit()
        if not still_ours:
            raise TranscodeCancelled

    outcome = transcode_claimed(db.session, current_app.config["SETTINGS"], item, progress)
    log.info("transcode finished", extra={"media_id": media_id, "outcome": outcome})


@_in_app
def media_lifecycle() -> None:
    """Purge unused uploads, files of published posts (by setting) and orphan files."""
    from app.services.media_lifecycle import enforce_lifecycle

    result = enforce_lifecycle(db.session, current_app.config["SETTINGS"])
    if any(result.values()):
        log.info(
            "media lifecycle",
            extra={k: len(v) for k, v in result.items()} | {"media_ids": result["purged"]},
        )
