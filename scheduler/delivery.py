"""The job that sends notifications by e-mail and Telegram (logic in app.services.delivery)."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from scheduler import jobs

log = logging.getLogger("kezek.scheduler")


def deliver_notifications() -> int:
    """Claim due deliveries (commit), then send each and commit its outcome; return sent."""
    from app.services import delivery

    app = jobs._APP.get("app") or current_app._get_current_object()
    sent = 0
    with app.app_context():
        settings = current_app.config["SETTINGS"]
        try:
            ids = delivery.claim_pending(db.session)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job failed", extra={"job": "deliver_notifications"})
            raise
        for delivery_id in ids:
            try:
                status = delivery.send_delivery(db.session, settings, delivery_id)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("delivery failed", extra={"delivery": delivery_id})
                continue
            sent += status == "sent"
    if ids:
        log.info("notifications delivered", extra={"claimed": len(ids), "sent": sent})
    return sent
