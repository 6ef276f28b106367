"""Contacts: search and filter, CSV export, one contact's tags, fields and timeline."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.models import Contact, CustomField, Role, Tag
from app.services.accounts import list_accounts
from app.services.automations import contacts as service
from app.web.admin.forms import EmptyForm
from app.web.automations import bp
from app.web.automations.forms import FIELD_TYPES, FieldForm, TagForm, ValueForm
from app.web.automations.messages import STATUSES, TRIGGER_NAMES, error_text, outcome_text
from app.web.context import current_workspace_id, get_or_404, require_role

PAGE = 50


def _filter() -> service.ContactFilter:
    tag = request.args.get("tag", "")
    account = request.args.get("account", "")
    return service.ContactFilter(
        q=request.args.get("q", "")[:100],
        tag_id=int(tag) if tag.isdigit() and len(tag) < 18 else None,
        account_id=int(account) if account.isdigit() and len(account) < 18 else None,
    )


@bp.route("/contacts")
@login_required
def contacts():
    ws = current_workspace_id()
    f = _filter()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows = db.session.scalars(
        service.contacts_query(ws, f).offset((page - 1) * PAGE).limit(PAGE + 1)
    ).all()
    return render_template(
        "automations/contacts.html",
        contacts=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        filters=f,
        tags=service.list_tags(db.session, ws),
        fields=service.list_fields(db.session, ws),
        accounts={a.id: a for a in list_accounts(db.session, ws)},
    )


@bp.route("/contacts.csv")
@login_required
def contacts_csv():
    body = service.export_csv(db.session, current_workspace_id(), _filter())
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
    )


@bp.route("/contacts/<int:contact_id>")
@login_required
def contact(contact_id: int):
    person = get_or_404(Contact, contact_id)
    ws = current_workspace_id()
    values = {v.field_id: v.value for v in person.values}
    return render_template(
        "automations/contact.html",
        contact=person,
        fields=service.list_fields(db.session, ws),
        values=values,
        timeline=service.timeline(db.session, person),
        tag_form=TagForm(),
        form=EmptyForm(),
        trigger_names=TRIGGER_NAMES,
        outcome_text=outcome_text,
        statuses=STATUSES,
    )


def _back(person: Contact):
    return redirect(url_for("automations.contact", contact_id=person.id))


@bp.post("/contacts/<int:contact_id>/tags")
@login_required
@require_role(Role.EDITOR)
def contact_tag_add(contact_id: int):
    person = get_or_404(Contact, contact_id)
    form = TagForm()
    if form.validate_on_submit():
        service.add_tags(db.session, person, [form.tag.data])
        db.session.commit()
    else:
        flash(error_text("tag_empty"), "warning")
    return _back(person)


@bp.post("/contacts/<int:contact_id>/tags/<int:tag_id>/remove")
@login_required
@require_role(Role.EDITOR)
def contact_tag_remove(contact_id: int, tag_id: int):
    person = get_or_404(Contact, contact_id)
    tag = get_or_404(Tag, tag_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.remove_tags(db.session, person, [tag.name])
    db.session.commit()
    return _back(person)


@bp.post("/contacts/<int:contact_id>/fields/<int:field_id>")
@login_required
@require_role(Role.EDITOR)
def contact_value(contact_id: int, field_id: int):
    person = get_or_404(Contact, contact_id)
    field = get_or_404(CustomField, field_id)
    form = ValueForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.set_value(db.session, person, field, form.value.data)
    except service.ContactError as e:
        db.session.rollback()
        flash(error_text(e.code), "warning")
        return _back(person)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back(person)


@bp.route("/fields", methods=["GET", "POST"])
@login_required
def fields():
    ws = current_workspace_id()
    form = FieldForm()
    if request.method == "POST":
        require_role(Role.EDITOR)(lambda: None)()
        if form.validate_on_submit():
            try:
                service.create_field(db.session, ws, form.key.data, form.name.data, form.type.data)
            except service.ContactError as e:
                db.session.rollback()
                form.key.errors = [error_text(e.code)]
            else:
                db.session.commit()
                flash(_("The field was added."), "success")
                return redirect(url_for("automations.fields"))
    return render_template(
        "automations/fields.html",
        form=form,
        fields=service.list_fields(db.session, ws),
        delete_form=EmptyForm(),
        type_names={c.value: c.label for c in FIELD_TYPES},
    )


@bp.post("/fields/<int:field_id>/delete")
@login_required
@require_role(Role.EDITOR)
def field_delete(field_id: int):
    field = get_or_404(CustomField, field_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.delete_field(db.session, field)
    db.session.commit()
    flash(_("The field was deleted."), "success")
    return redirect(url_for("automations.fields"))
