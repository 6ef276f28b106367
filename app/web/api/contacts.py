"""/api/v1/contacts and /contact-fields: the people automations know, and custom fields."""

from __future__ import annotations

from flask import g

from app.extensions import db
from app.models import Contact, Role, Tag
from app.services.automations import contacts as contacts_service
from app.services.automations import definitions as defs
from app.services.workspaces import scoped
from app.web.api import bp
from app.web.api.automation_schemas import (
    ContactOut,
    ContactPage,
    ContactQuery,
    ContactUpdate,
    FieldIn,
    FieldList,
    FieldOut,
)
from app.web.api.automations import TAGS, refused
from app.web.api.rows import id_page, scoped_or_404
from app.web.api.spec import endpoint


def contact_out(c: Contact) -> ContactOut:
    return ContactOut(
        id=str(c.id),
        account_id=str(c.account_id),
        igsid=c.igsid,
        username=c.username,
        first_seen_at=c.first_seen_at,
        last_interaction_at=c.last_interaction_at,
        tags=[t.name for t in c.tags],
        fields=contacts_service.values_by_key(db.session, c),
    )


@bp.get("/contacts")
@endpoint(resp=ContactPage, query=ContactQuery, tags=TAGS)
def list_contacts(query: ContactQuery):
    """People who commented or wrote to the workspace's accounts, by id."""
    tag_id = None
    if query.tag:
        tag = db.session.scalar(scoped(Tag, g.workspace.id).where(Tag.name == query.tag))
        if tag is None:
            return ContactPage(items=[], next=None)
        tag_id = tag.id
    f = contacts_service.ContactFilter(q=query.q or "", tag_id=tag_id)
    stmt = contacts_service.contacts_query(g.workspace.id, f).order_by(None)
    rows, nxt = id_page(stmt, Contact, query)
    return ContactPage(items=[contact_out(c) for c in rows], next=nxt)


@bp.get("/contacts/<contact_id>")
@endpoint(resp=ContactOut, tags=TAGS)
def get_contact(contact_id: str):
    """One contact with tags and custom field values."""
    return contact_out(scoped_or_404(Contact, contact_id))


@bp.put("/contacts/<contact_id>")
@endpoint(resp=ContactOut, json=ContactUpdate, role=Role.EDITOR, tags=TAGS)
def update_contact(contact_id: str, json: ContactUpdate):
    """Replace a contact's tags and/or set custom field values (type-checked)."""
    contact = scoped_or_404(Contact, contact_id)
    try:
        if json.tags is not None:
            contacts_service.remove_tags(db.session, contact, [t.name for t in contact.tags])
            contacts_service.add_tags(db.session, contact, json.tags)
        for key, value in (json.fields or {}).items():
            field = contacts_service.field_by_key(db.session, g.workspace.id, key)
            if field is None:
                raise defs.DefinitionError("field_missing", f"fields.{key}")
            contacts_service.set_value(db.session, contact, field, value)
    except contacts_service.ContactError as e:
        db.session.rollback()
        raise refused(e) from None
    except defs.DefinitionError as e:
        db.session.rollback()
        raise refused(e) from None
    db.session.commit()
    return contact_out(contact)


def field_out(f) -> FieldOut:
    return FieldOut(id=str(f.id), key=f.key, name=f.name, type=f.type)


@bp.get("/contact-fields")
@endpoint(resp=FieldList, tags=TAGS)
def list_contact_fields():
    """The workspace's custom contact fields."""
    fields = contacts_service.list_fields(db.session, g.workspace.id)
    return FieldList(items=[field_out(f) for f in fields])


@bp.post("/contact-fields")
@endpoint(status=201, resp=FieldOut, json=FieldIn, role=Role.EDITOR, tags=TAGS)
def create_contact_field(json: FieldIn):
    """Define a custom field (its key is used as {{key}} in texts)."""
    try:
        field = contacts_service.create_field(
            db.session, g.workspace.id, json.key, json.name, json.type
        )
    except contacts_service.ContactError as e:
        db.session.rollback()
        raise refused(e) from None
    db.session.commit()
    return field_out(field), 201
