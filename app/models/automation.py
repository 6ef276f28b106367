"""Automations: keyword rules, DM flows, contacts with tags and fields, their queue and log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UTCDateTime, WorkspaceOwned, utcnow


class Trigger(StrEnum):
    COMMENT = "comment"
    DM = "dm"
    STORY_REPLY = "story_reply"
    STORY_MENTION = "story_mention"


class MatchMode(StrEnum):
    ANY = "any"  # any of the keywords
    ALL = "all"  # every keyword
    ANY_MESSAGE = "any_message"


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"


class AutomationRule(WorkspaceOwned, Timestamped, Base):
    """When someone who wrote first matches the condition, run the actions in order."""

    __tablename__ = "automation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: every account of the workspace.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16), default=Trigger.COMMENT.value)
    # Comment rules: every post, or only the chosen posts (AutomationRulePost).
    all_posts: Mapped[bool] = mapped_column(Boolean, default=True)
    match_mode: Mapped[str] = mapped_column(String(16), default=MatchMode.ANY.value)
    keywords: Mapped[list | None] = mapped_column(JSON)
    # False: a keyword may be part of a longer word ("цен" in "ценник").
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True)
    first_interaction_only: Mapped[bool] = mapped_column(Boolean, default=False)
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    position: Mapped[int] = mapped_column(Integer, default=0)
    fired_count: Mapped[int] = mapped_column(Integer, default=0)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actions: Mapped[list[AutomationAction]] = relationship(
        back_populates="rule",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AutomationAction.position",
    )
    posts: Mapped[list[AutomationRulePost]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class AutomationAction(Base):
    """One action of a rule; `type` is a key of the action registry (app.services.engine)."""

    __tablename__ = "automation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("automation_rule.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(32))
    # e.g. {"variants": [...]}, {"text": ...}, {"flow_id": 3}, {"tags": [...]}.
    config: Mapped[dict | None] = mapped_column(JSON)

    rule: Mapped[AutomationRule] = relationship(back_populates="actions")


class AutomationRulePost(Base):
    """A post a comment rule is limited to: a Kezek post (its media id known once it is
    published) or an already published Instagram media."""

    __tablename__ = "automation_rule_post"
    __table_args__ = (UniqueConstraint("rule_id", "post_id", "ig_media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("automation_rule.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    ig_media_id: Mapped[str | None] = mapped_column(String(64))


contact_tag = Table(
    "contact_tag",
    Base.metadata,
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(WorkspaceOwned, Base):
    """A label on contacts, unique by name within a workspace."""

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


class CustomField(WorkspaceOwned, Base):
    """A contact field defined per workspace: text, number, date or yes/no."""

    __tablename__ = "custom_field"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(16), default=FieldType.TEXT.value)


class Contact(WorkspaceOwned, Base):
    """A person who wrote to one account, by Instagram-scoped id."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("account_id", "igsid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    igsid: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(255))
    picture_url: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_interaction_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    tags: Mapped[list[Tag]] = relationship(secondary=contact_tag, order_by="Tag.name")
    values: Mapped[list[ContactFieldValue]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ContactFieldValue(Base):
    """A contact's value of a custom field (stored as text, checked against the type)."""

    __tablename__ = "contact_field_value"
    __table_args__ = (UniqueConstraint("contact_id", "field_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(
        ForeignKey("custom_field.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(String(1000), default="")


class AutomationEvent(WorkspaceOwned, Base):
    """A new incoming comment, DM, story reply/mention or button tap waiting for evaluation."""

    __tablename__ = "automation_event"
    __table_args__ = (Index("ix_automation_event_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), index=True
    )
    # comment | dm | story_reply | story_mention | postback
    kind: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_thread.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_comment.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_message.id", ondelete="CASCADE")
    )
    igsid: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(String(1000))
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomationFiring(WorkspaceOwned, Base):
    """The log: a rule fired (or was held back) for a person, with each action's result."""

    __tablename__ = "automation_firing"
    __table_args__ = (Index("ix_automation_firing_rule_at", "rule_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rule.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_thread.id", ondelete="SET NULL")
    )
    event_kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # fired | cooldown | capped
    # [{"type": "public_reply", "result": "done" | "skipped" | "failed", "code": "..."}]
    results: Mapped[list | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomationCooldown(Base):
    """When a rule last fired for a person: it fires again only after the rule's cooldown."""

    __tablename__ = "automation_cooldown"
    __table_args__ = (UniqueConstraint("rule_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rule.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutomationQuota(Base):
    """Automated sends of an account in one clock hour, kept below Meta's rate limits."""

    __tablename__ = "automation_quota"
    __table_args__ = (UniqueConstraint("account_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("instagram_account.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
