"""The AI assistant's job: answer new DMs of accounts with auto-reply on."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from scheduler.jobs import _client, _in_app

log = logging.getLogger("kezek.scheduler")


def run_assistant_once(session, settings, client, now=None, http=None) -> dict:
    """Lease threads (committed, so other workers skip them), then answer each and commit
    after each one: an answer is never sent twice because a later one failed."""
    from app.services.assistant_auto import answer, claim

    ids = claim(session, settings, now=now)
    session.commit()
    outcomes: dict[str, int] = {}
    for thread_id in ids:
        try:
            outcome = answer(session, settings, client, thread_id, http=http, now=now)
        except Exception:  # one bad thread must not block the others
            session.rollback()
            log.exception("AI auto-reply failed", extra={"thread_id": thread_id})
            continue
        session.commit()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@_in_app
def assistant_auto_reply() -> None:
    """Answer new customer DMs with the AI assistant where auto-reply is on."""
    out = run_assistant_once(db.session, current_app.config["SETTINGS"], _client(db.session))
    if out:
        log.info("AI auto-replies", extra={"outcomes": out})
