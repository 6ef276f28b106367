"""The inbox's hook: queue a NEW incoming comment, DM, story reply/mention or button tap.

Called by app.services.inbox.process_batch right after an item is stored. It only writes a
row: the worker evaluates rules later (after a small random delay), never inside webhook
processing. Echoes, the account's own comments and repeats never get here.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.models import AutomationEvent, InboxComment, InboxMessage, InboxThread, utcnow

log = logging.getLogger(__name__)
DEFAULT_DELAY = (3.0, 12.0)


def parse_delay(raw: str | None) -> tuple[float, float]:
    """AUTOMATION_DELAY_SECONDS as (min, max): "3-12" or "5"; bad values give the default."""
    try:
        lo, _, hi = str(raw or "").replace(" ", "").partition("-")
        low, high = float(lo), float(hi or lo)
    except ValueError:
        log.warning("AUTOMATION_DELAY_SECONDS is not 'min-max' seconds: using the default")
        return DEFAULT_DELAY
    if low < 0 or high < low:
        return DEFAULT_DELAY
    return low, high


def delay() -> timedelta:
    """A random pause before replying, so automated answers do not look like spam."""
    raw = current_app.config["SETTINGS"].AUTOMATION_DELAY_SECONDS if has_app_context() else None
    low, high = parse_delay(raw) if raw is not None else DEFAULT_DELAY
    return timedelta(seconds=random.uniform(low, high))  # noqa: S311 - not security


def _queue(session: Session, account, **fields) -> AutomationEvent:
    now = utcnow()
    row = AutomationEvent(
        workspace_id=account.workspace_id,
        account_id=account.id,
        status="pending",
        run_after=now + delay(),
        created_at=now,
        attempts=0,
        **fields,
    )
    session.add(row)
    return row


def on_comment(session: Session, account, comment: InboxComment | None) -> None:
    """A comment was stored for the first time: queue it unless it is the account's own."""
    if comment is None or comment.is_own or not comment.from_id:
        return
    if comment.from_id == account.ig_user_id:
        return
    _queue(
        session,
        account,
        kind="comment",
        thread_id=comment.thread_id,
        comment_id=comment.id,
        igsid=comment.from_id,
        username=comment.username,
        text=comment.text,
        ig_media_id=comment.ig_media_id,
    )


def on_message(session: Session, account, ev, msg: InboxMessage | None) -> None:
    """A DM, story reply/mention or button tap was stored: queue it (never echoes)."""
    if msg is None or ev.kind not in ("message", "postback") or ev.is_deleted or ev.is_echo:
        return
    if msg.outgoing or not msg.received or msg.kind == "unsupported":
        return
    thread = session.get(InboxThread, msg.thread_id)
    if thread is None or not thread.customer_id or thread.customer_id == account.ig_user_id:
        return
    if ev.kind == "postback":
        kind = "postback"
    elif msg.story_mention:
        kind = "story_mention"
    elif msg.story_reply_url is not None:
        kind = "story_reply"
    else:
        kind = "dm"
    payload = getattr(ev, "payload", None)
    _queue(
        session,
        account,
        kind=kind,
        thread_id=thread.id,
        message_id=msg.id,
        igsid=thread.customer_id,
        username=thread.customer_username,
        text=msg.text,
        payload=payload[:1000] if payload else None,
    )
