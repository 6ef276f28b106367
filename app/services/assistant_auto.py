"""Auto-reply: answer new customer DMs inside the 24-hour window, or hand them to the team.

The worker looks for DM threads of accounts with auto-reply on whose newest customer message
is not handled yet, leases them (SKIP LOCKED on MariaDB) and answers each through
app.services.inbox_actions.send_message. It waits while a keyword automation is still due for
the thread, and stays silent when someone (or an automation) already answered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (
    AssistantSettings,
    AssistantThread,
    AutomationEvent,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    utcnow,
)
from app.services import assistant, inbox_actions
from app.services.inbox_rules import DM_WINDOW, dm_window

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = len(assistant.RETRY_DELAYS) + 1


def _newest_incoming(session: Session, thread_id: int) -> InboxMessage | None:
    return session.scalar(
        select(InboxMessage)
        .where(
            InboxMessage.thread_id == thread_id,
            InboxMessage.outgoing.is_(False),
            InboxMessage.received.is_(True),
        )
        .order_by(InboxMessage.sent_at.desc(), InboxMessage.id.desc())
        .limit(1)
    )


def _answered_after(session: Session, thread_id: int, msg: InboxMessage) -> bool:
    """Whether the account already wrote after the customer's message."""
    return (
        session.scalar(
            select(InboxMessage.id)
            .where(
                InboxMessage.thread_id == thread_id,
                InboxMessage.outgoing.is_(True),
                InboxMessage.received.is_(True),
                or_(
                    InboxMessage.sent_at > msg.sent_at,
                    (InboxMessage.sent_at == msg.sent_at) & (InboxMessage.id > msg.id),
                ),
            )
            .limit(1)
        )
        is not None
    )


def _automation_due(session: Session, thread_id: int) -> bool:
    return (
        session.scalar(
            select(AutomationEvent.id)
            .where(AutomationEvent.thread_id == thread_id, AutomationEvent.status == "pending")
            .limit(1)
        )
        is not None
    )


def candidates(session: Session, settings, now: datetime, limit: int = 20) -> list[int]:
    """DM threads of auto-reply accounts whose newest customer message may need an answer."""
    delay = timedelta(seconds=max(0, settings.AI_REPLY_DELAY_SECONDS))
    accounts = select(AssistantSettings.account_id).where(
        AssistantSettings.enabled.is_(True), AssistantSettings.auto_reply.is_(True)
    )
    rows = session.execute(
        select(InboxThread.id, AssistantThread.handled_message_id)
        .outerjoin(AssistantThread, AssistantThread.thread_id == InboxThread.id)
        .where(
            InboxThread.kind == "dm",
            InboxThread.account_id.in_(accounts),
            InboxThread.last_customer_message_at > now - DM_WINDOW,
            InboxThread.last_customer_message_at <= now - delay,
            AssistantThread.handed_over_at.is_(None),
            or_(AssistantThread.retry_at.is_(None), AssistantThread.retry_at <= now),
        )
        .order_by(InboxThread.last_customer_message_at)
        .limit(limit * 3)
    ).all()
    out = []
    for thread_id, handled in rows:
        msg = _newest_incoming(session, thread_id)
        if msg is not None and msg.id > (handled or 0):
            out.append(thread_id)
    return out[:limit]


def claim(session: Session, settings, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Lease threads to answer (the caller commits before working on them)."""
    now = now or utcnow()
    ids = candidates(session, settings, now, limit)
    if not ids:
        return []
    for thread_id in ids:
        assistant.thread_state(session, session.get(InboxThread, thread_id))
    stmt = select(AssistantThread).where(
        AssistantThread.thread_id.in_(ids),
        or_(AssistantThread.lease_until.is_(None), AssistantThread.lease_until < now),
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for state in session.scalars(stmt).all():
        state.lease_until = now + LEASE
        claimed.append(state.thread_id)
    session.flush()
    return claimed


def answer(session: Session, settings, client, thread_id: int, *, http=None, now=None) -> str:
    """Answer (or hand over) one leased thread; returns what happened."""
    now = now or utcnow()
    thread = session.get(InboxThread, thread_id)
    state = assistant.thread_state(session, thread)
    state.lease_until = None
    msg = _newest_incoming(session, thread.id)
    if msg is None or msg.id <= state.handled_message_id or state.handed_over_at is not None:
        return "nothing"
    if _automation_due(session, thread.id):
        return "waiting"  # a keyword rule may answer first
    if _answered_after(session, thread.id, msg):
        state.handled_message_id = msg.id
        return "answered"
    window = dm_window(thread, settings, now=now)
    if not window.open or window.human_agent:
        state.handled_message_id = msg.id
        return "window_closed"
    account = session.get(InstagramAccount, thread.account_id)
    prefs = assistant.prefs_for(session, account)
    if not (prefs.enabled and prefs.auto_reply):
        return "off"
    try:
        result = assistant.generate(session, settings, thread, purpose="auto", http=http, now=now)
    except assistant.AssistantError as e:
        return _failed(session, thread, state, msg, e.code, now)
    if result.status != "answer":
        assistant.hand_over(session, thread, result.reason or "unsure", now)
        state.handled_message_id = msg.id
        return "handover"
    from app.services.automations.engine import take_quota

    if not take_quota(session, settings, account.id, "messages", now):
        return "capped"  # Meta's hourly limit: tried again on a later run
    text = assistant.with_disclosure(settings, prefs, state, result, dm=True)
    state.handled_message_id = msg.id
    state.attempts = 0
    state.retry_at = None
    try:
        inbox_actions.send_message(session, settings, client, thread, text)
    except inbox_actions.InboxRuleError as e:
        state.last_error = e.code[:32]
        return e.code
    except inbox_actions.InboxSendError as e:
        # Stored as a failed action next to the conversation, with Instagram's reason.
        state.last_error = e.action.error_key[:32]
        return "send_failed"
    assistant.record_sent(state, now, disclosed=text != result.text)
    state.last_error = None
    return "sent"


def _failed(session, thread, state, msg, code: str, now: datetime) -> str:
    """No answer from the model: try again later, then hand the thread to the team."""
    state.last_error = code[:32]
    if code in ("off", "not_configured"):
        return code
    if code == "capped":
        assistant.hand_over(session, thread, "capped", now)
        state.handled_message_id = msg.id
        return "handover"
    state.attempts = (state.attempts or 0) + 1
    if state.attempts >= MAX_ATTEMPTS:
        assistant.hand_over(session, thread, "model", now)
        state.handled_message_id = msg.id
        log.warning(
            "AI assistant gave up on a thread", extra={"thread_id": thread.id, "code": code}
        )
        return "handover"
    state.retry_at = now + assistant.RETRY_DELAYS[state.attempts - 1]
    return "retry"
