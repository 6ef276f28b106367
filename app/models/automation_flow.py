"""DM flows: their steps, each contact's run through them, and tracked links with clicks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UTCDateTime, WorkspaceOwned, utcnow


class AutomationFlow(WorkspaceOwned, Timestamped, Base):
    """A short sequence of DM steps started by a rule."""

    __tablename__ = "automation_flow"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[AutomationFlowStep]] = relationship(
        back_populates="flow",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AutomationFlowStep.position",
    )


class AutomationFlowStep(Base):
    """A step: send text or an image, ask (buttons or free text) and wait, add tags, end."""

    __tablename__ = "automation_flow_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(
        ForeignKey("automation_flow.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # text | image | question | tags | end
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    # [{"title": "Yes", "payload": "KZ_F1_S2_B0", "next": 3}], "next" a position (None: on).
    buttons: Mapped[list | None] = mapped_column(JSON)
    # Free-text answers: stored in this field after the type check, re-asked when bad.
    field_id: Mapped[int | None] = mapped_column(ForeignKey("custom_field.id", ondelete="SET NULL"))
    validate: Mapped[str | None] = mapped_column(String(16))  # phone | email | number | date
    reask_text: Mapped[str | None] = mapped_column(Text)
    # Keyword branches for free text: [{"keywords": ["да"], "next": 4}].
    branches: Mapped[list | None] = mapped_column(JSON)
    tags: Mapped[list | None] = mapped_column(JSON)
    timeout_minutes: Mapped[int | None] = mapped_column(Integer)
    next_position: Mapped[int | None] = mapped_column(Integer)

    flow: Mapped[AutomationFlow] = relationship(back_populates="steps")


class FlowRun(WorkspaceOwned, Base):
    """One contact going through a flow: where they are and how it ended."""

    __tablename__ = "automation_flow_run"
    __table_args__ = (Index("ix_automation_flow_run_waiting", "status", "waiting_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(
        ForeignKey("automation_flow.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="SET NULL")
    )
    step_position: Mapped[int] = mapped_column(Integer, default=0)
    # waiting | completed | timed_out | failed | replaced
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # When Instagram first accepted a message of this run (None: nothing reached the person).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reasks: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AutomationLink(WorkspaceOwned, Base):
    """A link of the owner's flow step or rule DM, as sent to one contact: `token` is the
    unguessable part of its Kezek redirect (/r/<token>), `url` the only place it leads to."""

    __tablename__ = "automation_link"
    __table_args__ = (Index("ix_automation_link_lookup", "contact_id", "url_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))  # sha256 of url: Text cannot be indexed
    flow_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_flow.id", ondelete="CASCADE"), index=True
    )
    step_position: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_rule.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomationLinkClick(WorkspaceOwned, Base):
    """One click on a tracked link (no IP address or browser details are kept)."""

    __tablename__ = "automation_link_click"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("automation_link.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    flow_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_flow.id", ondelete="CASCADE"), index=True
    )
    step_position: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_rule.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
