"""Changing the assistant's settings and knowledge (shared by the dashboard and the API)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AssistantSettings, InstagramAccount, KnowledgeItem
from app.services.assistant import prefs_for
from app.services.assistant_prompt import LANGUAGE_NAMES

# field -> max length (characters)
TEXT_LIMITS = {
    "business_name": 255,
    "offer": 4000,
    "prices": 4000,
    "hours": 500,
    "address": 500,
    "tone": 255,
    "handover_topics": 4000,
    "disclosure_text": 500,
}
BOOL_FIELDS = ("enabled", "auto_reply", "log_texts")
MAX_DAILY_CAP = 100_000
KNOWLEDGE_KINDS = ("qa", "doc")
TITLE_MAX = 500
BODY_MAX = 4000
MAX_ITEMS = 500


class AssistantInputError(Exception):
    """Refused input: `code` says why, `field` names the input."""

    def __init__(self, code: str, field: str):
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


def save_settings(session: Session, account: InstagramAccount, data: dict) -> AssistantSettings:
    """Apply the given fields (others stay) after checking them; creates the row if needed."""
    prefs = prefs_for(session, account)
    for name, limit in TEXT_LIMITS.items():
        if name in data and data[name] is not None:
            value = str(data[name]).strip()
            if len(value) > limit:
                raise AssistantInputError("too_long", name)
            setattr(prefs, name, value)
    for name in BOOL_FIELDS:
        if name in data and data[name] is not None:
            setattr(prefs, name, bool(data[name]))
    if data.get("languages") is not None:
        langs = [c for c in LANGUAGE_NAMES if c in set(data["languages"])]
        if not langs or len(langs) != len(set(data["languages"])):
            raise AssistantInputError("languages_invalid", "languages")
        prefs.languages = ",".join(langs)
    if data.get("default_language") is not None:
        if data["default_language"] not in LANGUAGE_NAMES:
            raise AssistantInputError("language_invalid", "default_language")
        prefs.default_language = data["default_language"]
    if prefs.default_language not in prefs.languages.split(","):
        raise AssistantInputError("default_not_allowed", "default_language")
    if data.get("daily_cap") is not None:
        cap = data["daily_cap"]
        if not isinstance(cap, int) or isinstance(cap, bool) or not 0 <= cap <= MAX_DAILY_CAP:
            raise AssistantInputError("cap_invalid", "daily_cap")
        prefs.daily_cap = cap
    if prefs.id is None:
        session.add(prefs)
    session.flush()
    return prefs


def _knowledge_fields(kind, title, body) -> tuple[str, str, str]:
    if kind not in KNOWLEDGE_KINDS:
        raise AssistantInputError("kind_invalid", "kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise AssistantInputError("required", "title")
    if len(title) > TITLE_MAX:
        raise AssistantInputError("too_long", "title")
    if not body:
        raise AssistantInputError("required", "body")
    if len(body) > BODY_MAX:
        raise AssistantInputError("too_long", "body")
    return kind, title, body


def add_knowledge(
    session: Session, account: InstagramAccount, kind: str, title: str, body: str
) -> KnowledgeItem:
    """Add a question/answer pair or a short document to an account's knowledge."""
    kind, title, body = _knowledge_fields(kind, title, body)
    count = session.scalar(
        select(func.count(KnowledgeItem.id)).where(KnowledgeItem.account_id == account.id)
    )
    if (count or 0) >= MAX_ITEMS:
        raise AssistantInputError("too_many", "title")
    item = KnowledgeItem(
        workspace_id=account.workspace_id, account_id=account.id, kind=kind, title=title, body=body
    )
    session.add(item)
    session.flush()
    return item


def update_knowledge(session: Session, item: KnowledgeItem, data: dict) -> KnowledgeItem:
    """Change an entry's kind, title or body (omitted ones stay)."""
    kind, title, body = _knowledge_fields(
        data.get("kind") or item.kind,
        data["title"] if data.get("title") is not None else item.title,
        data["body"] if data.get("body") is not None else item.body,
    )
    item.kind, item.title, item.body = kind, title, body
    session.flush()
    return item
