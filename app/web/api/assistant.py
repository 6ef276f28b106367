"""/api/v1/accounts/{id}/assistant, /knowledge, /threads/{id}/suggest: the AI assistant."""

from __future__ import annotations

from typing import Literal

from flask import current_app
from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import select

from app.extensions import db
from app.models import InboxThread, InstagramAccount, KnowledgeItem, Role
from app.services import assistant
from app.services import assistant_admin as admin
from app.services.assistant_client import is_configured
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.rows import scoped_or_404
from app.web.api.schemas import (
    ListQuery,
    Schema,
    Timestamp,
    decode_cursor,
    optional,
    page_of,
)
from app.web.api.spec import endpoint
from app.web.assistant.messages import error_text, input_text, reason_text

Language = Literal["ru", "kk", "en"]


class AssistantSettingsOut(Schema):
    account_id: str
    enabled: bool
    auto_reply: bool = Field(description="Answer DMs without a person (off by default).")
    business_name: str
    offer: str = Field(description="What the business sells.")
    prices: str
    hours: str
    address: str
    tone: str
    languages: list[Language] = Field(description="Answer in the customer's language among these.")
    default_language: Language = Field(description="The language used otherwise.")
    handover_topics: list[str] = Field(description="Words and topics handed to the team.")
    disclosure_text: str = Field(description="Empty: the built-in note in the customer's language.")
    daily_cap: int = Field(description="Model calls per day at most.")
    log_texts: bool = Field(description="Keep message texts in the call log.")
    model_configured: bool = Field(description="Whether the operator set up a model endpoint.")


class AssistantSettingsIn(Schema):
    """Omitted fields stay unchanged."""

    enabled: bool = optional()
    auto_reply: bool = optional()
    business_name: str = optional(max_length=admin.TEXT_LIMITS["business_name"])
    offer: str = optional(max_length=admin.TEXT_LIMITS["offer"])
    prices: str = optional(max_length=admin.TEXT_LIMITS["prices"])
    hours: str = optional(max_length=admin.TEXT_LIMITS["hours"])
    address: str = optional(max_length=admin.TEXT_LIMITS["address"])
    tone: str = optional(max_length=admin.TEXT_LIMITS["tone"])
    languages: list[Language] = optional(min_length=1, max_length=3)
    default_language: Language = optional()
    handover_topics: list[str] = optional(max_length=100)
    disclosure_text: str = optional(max_length=admin.TEXT_LIMITS["disclosure_text"])
    daily_cap: int = optional(ge=0, le=admin.MAX_DAILY_CAP)
    log_texts: bool = optional()


class KnowledgeOut(Schema):
    id: str
    account_id: str
    kind: Literal["qa", "doc"]
    title: str = Field(description="The question, or the document's title.")
    body: str = Field(description="The answer, or the document's text.")
    updated_at: Timestamp


class KnowledgePage(Schema):
    items: list[KnowledgeOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class KnowledgeIn(Schema):
    kind: Literal["qa", "doc"] = "qa"
    title: str = Field(min_length=1, max_length=admin.TITLE_MAX, pattern=r"\S")
    body: str = Field(min_length=1, max_length=admin.BODY_MAX, pattern=r"\S")


class KnowledgeUpdate(Schema):
    kind: Literal["qa", "doc"] = optional()
    title: str = optional(min_length=1, max_length=admin.TITLE_MAX, pattern=r"\S")
    body: str = optional(min_length=1, max_length=admin.BODY_MAX, pattern=r"\S")


class DraftOut(Schema):
    thread_id: str
    status: Literal["answer", "unsure"] = Field(description="`unsure`: check it carefully.")
    text: str = Field(description="Plain text; the reply box's content, never sent by this call.")


def settings_out(acc: InstagramAccount) -> AssistantSettingsOut:
    p = assistant.prefs_for(db.session, acc)
    return AssistantSettingsOut(
        account_id=str(acc.id),
        enabled=p.enabled,
        auto_reply=p.auto_reply,
        business_name=p.business_name,
        offer=p.offer,
        prices=p.prices,
        hours=p.hours,
        address=p.address,
        tone=p.tone,
        languages=[c for c in p.languages.split(",") if c],
        default_language=p.default_language,
        handover_topics=[t.strip() for t in p.handover_topics.splitlines() if t.strip()],
        disclosure_text=p.disclosure_text,
        daily_cap=p.daily_cap,
        log_texts=p.log_texts,
        model_configured=is_configured(current_app.config["SETTINGS"]),
    )


def knowledge_out(k: KnowledgeItem) -> KnowledgeOut:
    return KnowledgeOut(
        id=str(k.id),
        account_id=str(k.account_id),
        kind=k.kind,
        title=k.title,
        body=k.body,
        updated_at=k.updated_at,
    )


def _refused(e: admin.AssistantInputError) -> ApiError:
    db.session.rollback()
    return ApiError(422, fields=[{"field": e.field, "code": e.code, "message": input_text(e.code)}])


@bp.get("/accounts/<account_id>/assistant")
@endpoint(resp=AssistantSettingsOut, tags=("assistant",))
def get_assistant_settings(account_id: str):
    """The account's AI assistant settings and business profile."""
    return settings_out(scoped_or_404(InstagramAccount, account_id))


@bp.put("/accounts/<account_id>/assistant")
@endpoint(resp=AssistantSettingsOut, json=AssistantSettingsIn, role=Role.OWNER, tags=("assistant",))
def update_assistant_settings(account_id: str, json: AssistantSettingsIn):
    """Change the assistant settings (owners)."""
    acc = scoped_or_404(InstagramAccount, account_id)
    data = json.model_dump(exclude_none=True)
    if "handover_topics" in data:
        data["handover_topics"] = "\n".join(t.strip() for t in data["handover_topics"] if t.strip())
    try:
        admin.save_settings(db.session, acc, data)
    except admin.AssistantInputError as e:
        raise _refused(e) from None
    db.session.commit()
    return settings_out(acc)


@bp.get("/accounts/<account_id>/knowledge")
@endpoint(resp=KnowledgePage, query=ListQuery, tags=("assistant",))
def list_assistant_knowledge(account_id: str, query: ListQuery):
    """The account's knowledge entries, oldest first."""
    acc = scoped_or_404(InstagramAccount, account_id)
    after = decode_cursor(query.next)
    stmt = select(KnowledgeItem).where(KnowledgeItem.account_id == acc.id)
    if after is not None:
        stmt = stmt.where(KnowledgeItem.id > after)
    rows = list(db.session.scalars(stmt.order_by(KnowledgeItem.id).limit(query.limit + 1)))
    rows, nxt = page_of(rows, query.limit)
    return KnowledgePage(items=[knowledge_out(k) for k in rows], next=nxt)


@bp.post("/accounts/<account_id>/knowledge")
@endpoint(status=201, resp=KnowledgeOut, json=KnowledgeIn, role=Role.EDITOR, tags=("assistant",))
def create_assistant_knowledge(account_id: str, json: KnowledgeIn):
    """Add a question/answer pair or a short document."""
    acc = scoped_or_404(InstagramAccount, account_id)
    try:
        item = admin.add_knowledge(db.session, acc, json.kind, json.title, json.body)
    except admin.AssistantInputError as e:
        raise _refused(e) from None
    db.session.commit()
    return knowledge_out(item), 201


@bp.get("/knowledge/<item_id>")
@endpoint(resp=KnowledgeOut, tags=("assistant",))
def get_assistant_knowledge(item_id: str):
    """One knowledge entry."""
    return knowledge_out(scoped_or_404(KnowledgeItem, item_id))


@bp.put("/knowledge/<item_id>")
@endpoint(resp=KnowledgeOut, json=KnowledgeUpdate, role=Role.EDITOR, tags=("assistant",))
def update_assistant_knowledge(item_id: str, json: KnowledgeUpdate):
    """Change a knowledge entry (omitted fields stay)."""
    item = scoped_or_404(KnowledgeItem, item_id)
    try:
        admin.update_knowledge(db.session, item, json.model_dump(exclude_none=True))
    except admin.AssistantInputError as e:
        raise _refused(e) from None
    db.session.commit()
    return knowledge_out(item)


@bp.delete("/knowledge/<item_id>")
@endpoint(status=204, role=Role.EDITOR, tags=("assistant",))
def delete_assistant_knowledge(item_id: str):
    """Delete a knowledge entry."""
    db.session.delete(scoped_or_404(KnowledgeItem, item_id))
    db.session.commit()
    return "", 204


@bp.post("/threads/<thread_id>/suggest")
@endpoint(resp=DraftOut, role=Role.EDITOR, tags=("assistant",), extra_errors=(409, 502))
def suggest_thread_reply(thread_id: str):
    """A draft reply for a comment thread or DM conversation (nothing is sent)."""
    thread = scoped_or_404(InboxThread, thread_id)
    try:
        result = assistant.generate(
            db.session, current_app.config["SETTINGS"], thread, purpose="draft"
        )
    except assistant.AssistantError as e:
        db.session.commit()  # the failed call stays in the log
        if e.code in ("off", "not_configured", "capped"):
            raise ApiError(409, f"assistant_{e.code}", error_text(e.code)) from None
        raise ApiError(502, f"model_{e.code}", error_text(e.code)) from None
    db.session.commit()
    if result.status == "handover":
        raise ApiError(
            409,
            "assistant_handover",
            _("No draft: %(reason)s", reason=reason_text(result.reason)),
        )
    return DraftOut(thread_id=str(thread.id), status=result.status, text=result.text)
