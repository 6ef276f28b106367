"""The assistant's call log: one row per model call, daily counts and usage figures."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AssistantCall, utcnow

log = logging.getLogger("app.services.assistant")


def calls_today(session: Session, account_id: int, now: datetime) -> int:
    """Model calls of an account since midnight UTC."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        session.scalar(
            select(func.count(AssistantCall.id)).where(
                AssistantCall.account_id == account_id, AssistantCall.at >= start
            )
        )
        or 0
    )


def log_call(
    session,
    thread,
    prefs,
    purpose,
    outcome,
    *,
    completion=None,
    error=None,
    question="",
    reply=None,
) -> AssistantCall:
    row = AssistantCall(
        workspace_id=thread.workspace_id,
        account_id=thread.account_id,
        thread_id=thread.id,
        at=utcnow(),
        purpose=purpose,
        outcome=outcome[:16],
        model=(completion.model if completion else "")[:120],
        prompt_tokens=completion.prompt_tokens if completion else 0,
        completion_tokens=completion.completion_tokens if completion else 0,
        latency_ms=completion.latency_ms if completion else getattr(error, "latency_ms", 0),
        request_text=question if prefs.log_texts else None,
        reply_text=reply if prefs.log_texts else None,
    )
    session.add(row)
    session.flush()
    log.info(
        "AI assistant call",
        extra={
            "thread_id": thread.id,
            "purpose": purpose,
            "outcome": outcome,
            "latency_ms": row.latency_ms,
            "tokens": row.prompt_tokens + row.completion_tokens,
        },
    )
    return row


def usage_since(session: Session, account_id: int, since: datetime) -> dict:
    """Calls, tokens and the last outcome of an account since a time (for the settings page)."""
    row = session.execute(
        select(
            func.count(AssistantCall.id),
            func.coalesce(func.sum(AssistantCall.prompt_tokens), 0),
            func.coalesce(func.sum(AssistantCall.completion_tokens), 0),
        ).where(AssistantCall.account_id == account_id, AssistantCall.at >= since)
    ).one()
    last = session.scalar(
        select(AssistantCall)
        .where(AssistantCall.account_id == account_id)
        .order_by(AssistantCall.id.desc())
        .limit(1)
    )
    return {
        "calls": row[0],
        "prompt_tokens": int(row[1]),
        "completion_tokens": int(row[2]),
        "last": last,
    }


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
