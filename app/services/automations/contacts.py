"""Contacts: one per person per account, with tags, custom fields and a timeline."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    AutomationFiring,
    Contact,
    ContactFieldValue,
    CustomField,
    FieldType,
    InboxComment,
    InboxMessage,
    InboxThread,
    Tag,
    utcnow,
)
from app.models.automation import contact_tag
from app.services.inbox import get_or_create
from app.services.workspaces import scoped

TAG_MAX = 64
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"1", "true", "yes", "да", "иә", "ия", "y"}
FALSE_WORDS = {"0", "false", "no", "нет", "жоқ", "жок", "n"}


class ContactError(Exception):
    """A value or name was refused; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def touch_contact(
    session: Session,
    account,
    igsid: str,
    username: str | None,
    at: datetime | None = None,
) -> tuple[Contact, bool]:
    """The contact of a person on an account, created on first sight; (contact, created)."""
    at = at or utcnow()
    contact, created = get_or_create(
        session,
        Contact,
        {"account_id": account.id, "igsid": igsid[:64]},
        {"workspace_id": account.workspace_id, "first_seen_at": at, "last_interaction_at": at},
    )
    if username:
        contact.username = username[:255]
    if contact.last_interaction_at is None or at > contact.last_interaction_at:
        contact.last_interaction_at = at
    return contact, created


def clean_tag(name: str) -> str:
    """A tag name as stored: trimmed, single spaces, at most 64 characters."""
    name = " ".join((name or "").split())[:TAG_MAX]
    if not name:
        raise ContactError("tag_empty")
    return name


def tag_named(session: Session, workspace_id: int, name: str) -> Tag:
    """The workspace's tag of that name, created if new."""
    tag, _ = get_or_create(
        session, Tag, {"workspace_id": workspace_id, "name": clean_tag(name)}, {}
    )
    return tag


def add_tags(session: Session, contact: Contact, names: list[str]) -> None:
    """Give a contact these tags (created when new)."""
    for name in names:
        tag = tag_named(session, contact.workspace_id, name)
        if tag not in contact.tags:
            contact.tags.append(tag)
    session.flush()


def remove_tags(session: Session, contact: Contact, names: list[str]) -> None:
    """Take these tags off a contact (unknown names are ignored)."""
    wanted = {" ".join(n.split()).casefold() for n in names}
    contact.tags[:] = [t for t in contact.tags if t.name.casefold() not in wanted]
    session.flush()


def list_tags(session: Session, workspace_id: int) -> list[Tag]:
    return list(session.scalars(scoped(Tag, workspace_id).order_by(Tag.name)))


def list_fields(session: Session, workspace_id: int) -> list[CustomField]:
    return list(session.scalars(scoped(CustomField, workspace_id).order_by(CustomField.name)))


def field_by_key(session: Session, workspace_id: int, key: str) -> CustomField | None:
    return session.scalar(scoped(CustomField, workspace_id).where(CustomField.key == key))


def create_field(session: Session, workspace_id: int, key: str, name: str, type_: str):
    """Define a custom field; the key is used in flow texts as {{key}}."""
    key = (key or "").strip().lower()
    if not FIELD_KEY.match(key):
        raise ContactError("field_key_invalid")
    if type_ not in {t.value for t in FieldType}:
        raise ContactError("field_type_invalid")
    if field_by_key(session, workspace_id, key) is not None:
        raise ContactError("field_key_taken")
    name = " ".join((name or "").split())[:120] or key
    row = CustomField(workspace_id=workspace_id, key=key, name=name, type=type_)
    session.add(row)
    session.flush()
    return row


def check_value(field: CustomField, raw: str, validate: str | None = None) -> str:
    """A value in its stored form after the field's type check (and a flow's check)."""
    value = " ".join((raw or "").split())[:1000]
    kind = validate or field.type
    if kind == "phone":
        if not PHONE.match(value) or len(re.sub(r"\D", "", value)) < 6:
            raise ContactError("value_not_phone")
        return re.sub(r"[^\d+]", "", value)
    if kind == "email":
        if not EMAIL.match(value):
            raise ContactError("value_not_email")
        return value.lower()
    if kind == FieldType.NUMBER:
        try:
            float(value.replace(",", "."))
        except ValueError:
            raise ContactError("value_not_number") from None
        return value.replace(",", ".")
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ContactError("value_not_date") from None
    if kind == FieldType.BOOL:
        low = value.casefold()
        if low in TRUE_WORDS:
            return "true"
        if low in FALSE_WORDS:
            return "false"
        raise ContactError("value_not_bool")
    return value


def set_value(session: Session, contact: Contact, field: CustomField, raw: str | None, **kw):
    """Set (or clear, with None/empty) a contact's field value after the type check."""
    row = next((v for v in contact.values if v.field_id == field.id), None)
    if raw is None or not str(raw).strip():
        if row is not None:
            contact.values.remove(row)
        session.flush()
        return None
    value = check_value(field, str(raw), **kw)
    if row is None:
        row = ContactFieldValue(field_id=field.id, value=value)
        contact.values.append(row)
    row.value = value
    session.flush()
    return value


def values_by_key(session: Session, contact: Contact) -> dict[str, str]:
    """The contact's field values by field key."""
    rows = session.execute(
        select(CustomField.key, ContactFieldValue.value)
        .join(ContactFieldValue, ContactFieldValue.field_id == CustomField.id)
        .where(ContactFieldValue.contact_id == contact.id)
    )
    return dict(rows.all())


@dataclass
class ContactFilter:
    q: str = ""
    tag_id: int | None = None
    account_id: int | None = None


def contacts_query(workspace_id: int, f: ContactFilter):
    """Contacts of a workspace matching a filter, newest interaction first."""
    stmt = scoped(Contact, workspace_id)
    if f.q:
        like = f"%{f.q.strip()[:100]}%"
        stmt = stmt.where(or_(Contact.username.ilike(like), Contact.igsid.ilike(like)))
    if f.tag_id:
        stmt = stmt.where(
            Contact.id.in_(select(contact_tag.c.contact_id).where(contact_tag.c.tag_id == f.tag_id))
        )
    if f.account_id:
        stmt = stmt.where(Contact.account_id == f.account_id)
    return stmt.order_by(Contact.last_interaction_at.desc(), Contact.id.desc())


def export_csv(session: Session, workspace_id: int, f: ContactFilter) -> str:
    """Contacts as CSV: ids, username, dates, tags and one column per custom field."""
    fields = list_fields(session, workspace_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["igsid", "username", "first_seen", "last_interaction", "tags"] + [c.key for c in fields]
    )
    for contact in session.scalars(contacts_query(workspace_id, f)):
        values = {v.field_id: v.value for v in contact.values}
        writer.writerow(
            [
                contact.igsid,
                _safe(contact.username or ""),
                contact.first_seen_at.isoformat(),
                contact.last_interaction_at.isoformat(),
                _safe(", ".join(t.name for t in contact.tags)),
            ]
            + [_safe(values.get(c.id, "")) for c in fields]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    """Neutralise spreadsheet formulas in exported cells."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def timeline(session: Session, contact: Contact, limit: int = 100) -> list[dict]:
    """The contact's comments, messages and automation firings, newest first."""
    threads = select(InboxThread.id).where(
        InboxThread.account_id == contact.account_id, InboxThread.customer_id == contact.igsid
    )
    items: list[dict] = []
    for c in session.scalars(
        select(InboxComment)
        .where(InboxComment.account_id == contact.account_id, InboxComment.thread_id.in_(threads))
        .order_by(InboxComment.created_at.desc())
        .limit(limit)
    ):
        kind = "reply" if c.is_own else "comment"
        items.append({"at": c.created_at, "kind": kind, "text": c.text, "thread_id": c.thread_id})
    for m in session.scalars(
        select(InboxMessage)
        .where(InboxMessage.account_id == contact.account_id, InboxMessage.thread_id.in_(threads))
        .order_by(InboxMessage.sent_at.desc())
        .limit(limit)
    ):
        kind = "sent" if m.outgoing else "message"
        items.append({"at": m.sent_at, "kind": kind, "text": m.text, "thread_id": m.thread_id})
    for f in session.scalars(
        select(AutomationFiring)
        .where(AutomationFiring.contact_id == contact.id)
        .order_by(AutomationFiring.at.desc())
        .limit(limit)
    ):
        items.append({"at": f.at, "kind": "automation", "firing": f, "thread_id": f.thread_id})
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:limit]


def count_contacts(session: Session, workspace_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(scoped(Contact, workspace_id).subquery())
    )


def delete_field(session: Session, field: CustomField) -> None:
    """Remove a field definition and every value of it."""
    session.execute(delete(ContactFieldValue).where(ContactFieldValue.field_id == field.id))
    session.delete(field)
    session.flush()
