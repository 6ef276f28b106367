"""Instagram's inbox rules: the DM windows, private replies, text limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models import InboxComment, InboxThread, utcnow

DM_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
COMMENT_MAX_CHARS = 2200
DM_MAX_BYTES = 1000


class InboxRuleError(Exception):
    """The action breaks one of Instagram's rules and was not sent; `code` names which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Window:
    """Whether a DM reply may be sent now, until when, and whether it needs the tag."""

    open: bool
    closes_at: datetime | None
    human_agent: bool = False


def dm_window(thread: InboxThread, settings, now: datetime | None = None) -> Window:
    """The 24-hour window (or the 7-day human-agent one when the operator enabled it)."""
    now = now or utcnow()
    last = thread.last_customer_message_at
    if last is None:
        return Window(False, None)
    if now < last + DM_WINDOW:
        return Window(True, last + DM_WINDOW)
    if settings.INBOX_HUMAN_AGENT_TAG and now < last + HUMAN_AGENT_WINDOW:
        return Window(True, last + HUMAN_AGENT_WINDOW, human_agent=True)
    return Window(False, last + DM_WINDOW)


def private_reply_state(comment: InboxComment, now: datetime | None = None) -> str:
    """`available`, or why not: `used`, `expired`, `own`, `deleted`."""
    now = now or utcnow()
    if comment.is_own or not comment.received:
        return "own"
    if comment.deleted_at is not None:
        return "deleted"
    if comment.private_replied_at is not None:
        return "used"
    if now > comment.created_at + PRIVATE_REPLY_WINDOW:
        return "expired"
    return "available"


def check_text(text: str, *, dm: bool) -> str:
    """Trimmed text within Instagram's limits, else InboxRuleError."""
    text = (text or "").strip()
    if not text:
        raise InboxRuleError("text_empty")
    if dm and len(text.encode("utf-8")) > DM_MAX_BYTES:
        raise InboxRuleError("text_too_long")
    if not dm and len(text) > COMMENT_MAX_CHARS:
        raise InboxRuleError("text_too_long")
    return text
