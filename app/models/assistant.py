"""The AI assistant: per-account settings, knowledge, per-thread state and the call log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UTCDateTime, WorkspaceOwned, utcnow


class AssistantSettings(WorkspaceOwned, Timestamped, Base):
    """One account's assistant: switches, the business profile and the hand-over list."""

    __tablename__ = "assistant_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), unique=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Off by default: DMs are answered without a person only when the owner says so.
    auto_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    business_name: Mapped[str] = mapped_column(String(255), default="")
    offer: Mapped[str] = mapped_column(Text, default="")  # what the business sells
    prices: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    tone: Mapped[str] = mapped_column(String(255), default="")
    # Languages it may answer in (comma-separated among ru, kk, en) and the fallback one.
    languages: Mapped[str] = mapped_column(String(16), default="ru,kk,en")
    default_language: Mapped[str] = mapped_column(String(2), default="ru")
    # Words and topics it must never handle, one per line: such threads go to a person.
    handover_topics: Mapped[str] = mapped_column(Text, default="")
    # Said in the first automated answer of a conversation; empty: the built-in text.
    disclosure_text: Mapped[str] = mapped_column(String(500), default="")
    daily_cap: Mapped[int] = mapped_column(Integer, default=200)
    # Keep the message texts in the call log (off: only times, counts and outcomes).
    log_texts: Mapped[bool] = mapped_column(Boolean, default=False)


class KnowledgeItem(WorkspaceOwned, Timestamped, Base):
    """A question/answer pair or a short document the assistant may quote."""

    __tablename__ = "assistant_knowledge"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="qa")  # qa | doc
    title: Mapped[str] = mapped_column(String(500), default="")  # the question, or a title
    body: Mapped[str] = mapped_column(Text, default="")  # the answer, or the document


class AssistantThread(WorkspaceOwned, Base):
    """What the assistant did in one inbox thread: hand-over, automated answers, retries."""

    __tablename__ = "assistant_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="CASCADE"), unique=True
    )
    # Assigned to the team: the assistant stays silent until someone gives it back.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handover_reason: Mapped[str | None] = mapped_column(String(32))
    auto_replies: Mapped[int] = mapped_column(Integer, default=0)
    last_auto_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The newest customer message already handled (answered, handed over or given up).
    handled_message_id: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(32))


class AssistantCall(WorkspaceOwned, Base):
    """One model call: when, for which thread, tokens, latency and outcome (texts optional)."""

    __tablename__ = "assistant_call"
    __table_args__ = (Index("ix_assistant_call_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("instagram_account.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purpose: Mapped[str] = mapped_column(String(16))  # draft | auto | automation
    # ok | unsure | handover | unsafe | timeout | unreachable | http_error | malformed
    outcome: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(120), default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    request_text: Mapped[str | None] = mapped_column(Text)
    reply_text: Mapped[str | None] = mapped_column(Text)
