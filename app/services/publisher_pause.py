"""Pausing an account's posts while its token is dead, and what happens on reconnecting.

A dead token (Meta 190, an unreadable stored token, a failed refresh) marks the account
"reconnect needed" (`app.services.accounts.mark_token_dead`), which pauses every post of the
account that the worker still has to drive: `error_key = "reconnect_needed"` and a log row,
with no Graph call. The claim skips posts of accounts that are not active, so nothing of the
account touches Instagram until it is reconnected.

Once the account is active again, a paused post is claimed at once and resumed by the worker
(`Runner.resume`): an upcoming post just waits for its time; a post whose time came while
the account was disconnected is published if the reconnect came before its deadline
(`deadline_at`: due time + `PUBLISH_DEADLINE_SECONDS`), with a fresh deadline from then on;
later than that it fails with `account_disconnected` (never published days late). A post
whose `media_publish` may have been sent is always resumed by asking its container first,
so nothing is published twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from app.models.post import WORKING_STATUSES, Post, PostLog

PAUSED = "reconnect_needed"


def pause_account_posts(session: Session, account_id: int, now: datetime) -> int:
    """Mark the account's unfinished posts paused for a reconnect (flushes); count them.

    Posts leased by a worker right now are left to it: its next Graph call meets the dead
    token and pauses that post itself (and no row lock is waited for here).
    """
    ids = list(
        session.scalars(
            select(Post.id).where(
                Post.account_id == account_id,
                Post.status.in_(WORKING_STATUSES),
                or_(Post.error_key.is_(None), Post.error_key != PAUSED),
                or_(Post.lease_until.is_(None), Post.lease_until < now),
            )
        )
    )
    if not ids:
        return 0
    session.execute(
        update(Post)
        .where(
            Post.id.in_(ids),
            Post.status.in_(WORKING_STATUSES),
            or_(Post.lease_until.is_(None), Post.lease_until < now),
        )
        .values(error_key=PAUSED)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        insert(PostLog),
        [
            {"post_id": pid, "at": now, "step": "paused", "result": "info", "message_key": PAUSED}
            for pid in ids
        ],
    )
    return len(ids)
