"""The AI assistant: drafts and automated answers grounded in the business's own knowledge.

`generate()` is the one path to the model (drafts, auto-replies and the automation action):
hand-over checks first (no call at all), then the daily cap, retrieval, the prompt, the call,
and the parsed, cleaned answer. Every call is logged in `assistant_call` (texts only when the
owner enabled it). Sends are not done here: callers use app.services.inbox_actions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AssistantSettings,
    AssistantThread,
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    InstagramMedia,
    KnowledgeItem,
    ThreadStatus,
    utcnow,
)
from app.services import assistant_client as model_client
from app.services import assistant_prompt as prompt
from app.services import notifications as notifications_service
from app.services.assistant_log import (  # noqa: F401 - re-exported
    calls_today,
    day_start,
    log_call,
    usage_since,
)
from app.services.assistant_retrieval import tokens, top
from app.services.inbox import get_or_create
from app.services.inbox_rules import COMMENT_MAX_CHARS, DM_MAX_BYTES

log = logging.getLogger(__name__)

KNOWLEDGE_K = 5
notifications_service.MESSAGES.setdefault(
    "assistant_handover",
    _l("The assistant handed the conversation with @%(username)s to the team."),
)

# The customer asks for a person (ru, kk, en): handed over without asking the model.
PERSON = re.compile(
    r"\b(human|real person|a person|operator|manager|live agent|someone real)\b"
    r"|оператор|менеджер|администратор|жив(ой|ым|ого) человек|с человеком|позовите"
    r"|соедините|адаммен|тірі адам",
    re.IGNORECASE,
)


class AssistantError(Exception):
    """No answer: `code` is off, not_configured, capped or a model error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Result:
    """What the assistant would say (`status` answer/unsure) or why a person must (handover)."""

    status: str  # answer | unsure | handover
    text: str = ""
    reason: str | None = None  # handover: topic | person | unsure | unsafe | model
    language: str = "ru"


def prefs_for(session: Session, account: InstagramAccount) -> AssistantSettings:
    """The account's assistant settings (a default, unsaved row when none were saved)."""
    row = session.scalar(
        select(AssistantSettings).where(AssistantSettings.account_id == account.id)
    )
    if row is None:
        row = AssistantSettings(
            workspace_id=account.workspace_id,
            account_id=account.id,
            enabled=False,
            auto_reply=False,
            business_name="",
            offer="",
            prices="",
            hours="",
            address="",
            tone="",
            languages="ru,kk,en",
            default_language="ru",
            handover_topics="",
            disclosure_text="",
            daily_cap=200,
            log_texts=False,
        )
    return row


def thread_state(session: Session, thread: InboxThread) -> AssistantThread:
    """The assistant's row for a thread, created on first use."""
    row, _created = get_or_create(
        session,
        AssistantThread,
        {"thread_id": thread.id},
        {
            "workspace_id": thread.workspace_id,
            "auto_replies": 0,
            "handled_message_id": 0,
            "attempts": 0,
        },
    )
    return row


def topic_hit(prefs: AssistantSettings, text: str) -> bool:
    """Whether the text touches a hand-over topic (every word stem of one line present)."""
    words = set(tokens(text))
    for line in (prefs.handover_topics or "").splitlines():
        stems = tokens(line)
        if stems and all(s in words for s in stems):
            return True
    return False


def wants_person(text: str) -> bool:
    """Whether the customer asks for a person."""
    return bool(PERSON.search(text or ""))


def turns_of(session: Session, settings, thread: InboxThread) -> list[prompt.Turn]:
    """The last messages of the conversation (AI_CONTEXT_MESSAGES), oldest first."""
    n = max(1, settings.AI_CONTEXT_MESSAGES)
    if thread.kind == "dm":
        rows = session.scalars(
            select(InboxMessage)
            .where(
                InboxMessage.thread_id == thread.id,
                InboxMessage.received.is_(True),
                InboxMessage.deleted.is_(False),
            )
            .order_by(InboxMessage.sent_at.desc(), InboxMessage.id.desc())
            .limit(n)
        ).all()
        out = []
        for m in reversed(rows):
            text = m.text or ("[story reply]" if m.story_reply_url else "[attachment]")
            out.append(prompt.Turn(customer=not m.outgoing, text=text))
        return out
    rows = session.scalars(
        select(InboxComment)
        .where(
            InboxComment.thread_id == thread.id,
            InboxComment.received.is_(True),
            InboxComment.deleted_at.is_(None),
        )
        .order_by(InboxComment.created_at.desc(), InboxComment.id.desc())
        .limit(n)
    ).all()
    return [prompt.Turn(customer=not c.is_own, text=c.text or "") for c in reversed(rows)]


def _context(session: Session, thread: InboxThread) -> str | None:
    if thread.kind != "comment" or not thread.ig_media_id:
        return None
    media = session.scalar(
        select(InstagramMedia).where(
            InstagramMedia.account_id == thread.account_id,
            InstagramMedia.ig_media_id == thread.ig_media_id,
        )
    )
    caption = (media.caption or "").strip() if media is not None else ""
    return f"The customer commented on a post captioned: {caption}" if caption else None


def knowledge_of(session: Session, account_id: int) -> list[KnowledgeItem]:
    """The account's knowledge entries in the order they were added."""
    return list(
        session.scalars(
            select(KnowledgeItem)
            .where(KnowledgeItem.account_id == account_id)
            .order_by(KnowledgeItem.id)
        )
    )


def generate(
    session: Session, settings, thread: InboxThread, *, purpose: str, http=None, now=None
) -> Result:
    """Ask the model for the next reply in a thread (or decide a person must answer)."""
    now = now or utcnow()
    account = session.get(InstagramAccount, thread.account_id)
    prefs = prefs_for(session, account)
    if not prefs.enabled:
        raise AssistantError("off")
    if not model_client.is_configured(settings):
        raise AssistantError("not_configured")
    turns = turns_of(session, settings, thread)
    recent = [t.text for t in turns if t.customer][-3:]
    question = recent[-1] if recent else ""
    language = prompt.reply_language(prefs, question)
    if topic_hit(prefs, question):
        return Result("handover", reason="topic", language=language)
    # Earlier messages on a hand-over topic (the team dealt with them) never reach the model.
    turns = [t for t in turns if not topic_hit(prefs, t.text)]
    if wants_person(question):
        return Result("handover", reason="person", language=language)
    if calls_today(session, account.id, now) >= max(0, prefs.daily_cap):
        raise AssistantError("capped")
    items = knowledge_of(session, account.id)
    chosen = top(
        items, [f"{i.title} {i.title} {i.body}" for i in items], " ".join(recent), KNOWLEDGE_K
    )
    messages = prompt.build_messages(prefs, turns, chosen, context=_context(session, thread))
    try:
        completion = model_client.complete(settings, messages, http=http)
    except model_client.ModelError as e:
        log_call(session, thread, prefs, purpose, e.code, error=e, question=question)
        raise AssistantError(e.code) from None
    answer = prompt.parse_answer(completion.content)
    if answer is None:
        log_call(
            session, thread, prefs, purpose, "malformed", completion=completion, question=question
        )
        raise AssistantError("malformed")
    limit = {"max_bytes": DM_MAX_BYTES} if thread.kind == "dm" else {"max_chars": COMMENT_MAX_CHARS}
    text = prompt.clean_reply(answer.reply, **limit)
    if prompt.leaks_rules(text):
        log_call(
            session, thread, prefs, purpose, "unsafe", completion=completion, question=question
        )
        return Result("handover", reason="unsafe", language=language)
    status = "unsure" if answer.status == "answer" and not text else answer.status
    log_call(
        session,
        thread,
        prefs,
        purpose,
        "ok" if status == "answer" else status,
        completion=completion,
        question=question,
        reply=text,
    )
    if status == "handover":
        return Result("handover", text=text, reason="person", language=language)
    return Result(
        status, text=text, reason="unsure" if status == "unsure" else None, language=language
    )


def disclosure(prefs: AssistantSettings, language: str) -> str:
    """The note that an answer is automated, in the customer's language."""
    if (prefs.disclosure_text or "").strip():
        return prefs.disclosure_text.strip()
    with force_locale(language):
        return _("This is an automated answer from our assistant.")


def with_disclosure(settings, prefs, state: AssistantThread, result: Result, *, dm: bool) -> str:
    """The text to send: the disclosure first when this is the thread's first automated one."""
    if not settings.AI_DISCLOSE_AUTOMATED or state.disclosed_at is not None:
        return result.text
    note = disclosure(prefs, result.language)
    body = result.text
    if dm:
        room = DM_MAX_BYTES - len(note.encode("utf-8")) - 2
        body = prompt.clean_reply(body, max_bytes=max(0, room))
    else:
        body = prompt.clean_reply(body, max_chars=max(0, COMMENT_MAX_CHARS - len(note) - 2))
    return f"{note}\n\n{body}"


def record_sent(state: AssistantThread, now: datetime, disclosed: bool) -> None:
    """Count an automated answer in the thread."""
    state.auto_replies = (state.auto_replies or 0) + 1
    state.last_auto_reply_at = now
    if disclosed and state.disclosed_at is None:
        state.disclosed_at = now


def hand_over(session: Session, thread: InboxThread, reason: str, now=None) -> AssistantThread:
    """Assign the thread to the team: flag it, reopen it, notify; nothing is sent."""
    now = now or utcnow()
    state = thread_state(session, thread)
    already = state.handed_over_at is not None
    state.handed_over_at = state.handed_over_at or now
    state.handover_reason = reason[:32]
    thread.status = ThreadStatus.OPEN.value
    thread.unread_count = max(thread.unread_count or 0, 1)
    if not already:
        notifications_service.notify(
            session,
            thread.workspace_id,
            "assistant_handover",
            {"username": thread.customer_username or "…"},
            link=f"/inbox/threads/{thread.id}",
        )
    session.flush()
    return state


def give_back(state: AssistantThread) -> None:
    """The team lets the assistant answer this thread again."""
    state.handed_over_at = None
    state.handover_reason = None
    state.attempts = 0
    state.retry_at = None
    state.last_error = None


RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
