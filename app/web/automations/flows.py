"""Flows: the list with counters, and the step-list editor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.models import AutomationFlow, Role
from app.services.automations import contacts as contacts_service
from app.services.automations import definitions as defs
from app.services.automations import flow_definitions as flow_defs
from app.services.automations.flows import flow_stats
from app.web.admin.forms import EmptyForm
from app.web.automations import bp
from app.web.automations.forms import FlowForm
from app.web.automations.messages import FLOW_STATUSES, error_text
from app.web.context import current_workspace_id, get_or_404, require_role


@bp.route("/flows")
@login_required
def flows():
    ws = current_workspace_id()
    items = [(f, flow_stats(db.session, f)) for f in flow_defs.flows_of(db.session, ws)]
    return render_template("automations/flows.html", flows=items, form=EmptyForm())


def _lines(pairs) -> str:
    return "\n".join(f"{text} -> {target}" if target else text for text, target in pairs)


def _fill(form: FlowForm, flow: AutomationFlow) -> None:
    fields = {f.id: f.key for f in contacts_service.list_fields(db.session, flow.workspace_id)}
    form.name.data = flow.name
    while len(form.steps.entries):
        form.steps.pop_entry()
    for step in flow.steps:
        form.steps.append_entry(
            {
                "kind": step.kind,
                "text": step.text or "",
                "image_url": step.image_url or "",
                "buttons": _lines((b["title"], b.get("next")) for b in step.buttons or []),
                "branches": _lines(
                    (", ".join(b["keywords"]), b.get("next")) for b in step.branches or []
                ),
                "field_key": fields.get(step.field_id, ""),
                "validate": step.validate or "",
                "reask_text": step.reask_text or "",
                "tags": ", ".join(step.tags or []),
                "timeout_minutes": step.timeout_minutes,
                "next_position": step.next_position,
            }
        )
    form.steps.append_entry({"kind": "text"})  # an empty step to add


def _steps(form: FlowForm) -> list[flow_defs.StepData]:
    out = []
    for entry in form.steps.entries:
        s = entry.form
        if s.remove.data:
            continue
        empty = not (
            (s.text.data or "").strip()
            or (s.image_url.data or "").strip()
            or (s.tags.data or "").strip()
        )
        if empty and s.kind.data != "end":
            continue  # the blank "add a step" block
        branches = [
            ([k.strip() for k in text.split(",") if k.strip()], target)
            for text, target in flow_defs.parse_lines(s.branches.data)
        ]
        out.append(
            flow_defs.StepData(
                kind=s.kind.data,
                text=s.text.data or "",
                image_url=(s.image_url.data or "").strip(),
                buttons=flow_defs.parse_lines(s.buttons.data),
                branches=branches,
                field_key=s.field_key.data or "",
                validate=s.validate.data or "",
                reask_text=s.reask_text.data or "",
                tags=[t.strip() for t in (s.tags.data or "").split(",") if t.strip()],
                timeout_minutes=s.timeout_minutes.data,
                next_position=s.next_position.data,
            )
        )
    return out


def _editor(flow: AutomationFlow | None):
    ws = current_workspace_id()
    form = FlowForm()
    field_choices = [("", _("Do not save"))] + [
        (f.key, f.name) for f in contacts_service.list_fields(db.session, ws)
    ]
    if request.method == "GET" and flow is not None:
        _fill(form, flow)
    elif request.method == "GET":
        form.steps.append_entry({"kind": "question"})
        form.steps.append_entry({"kind": "text"})
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            flow = flow_defs.save_flow(db.session, ws, form.name.data, _steps(form), flow)
        except defs.DefinitionError as e:
            db.session.rollback()
            error = error_text(e.code)
            if e.field.startswith("steps."):
                error = _("Step %(num)s: %(reason)s", num=e.field[6:], reason=error)
        else:
            db.session.commit()
            flash(_("The flow was saved."), "success")
            return redirect(url_for("automations.flow_edit", flow_id=flow.id))
    elif request.method == "POST":
        error = _("Check the highlighted fields.")
    for entry in form.steps.entries:
        entry.form.field_key.choices = field_choices
    stats = flow_stats(db.session, flow) if flow is not None else None
    return render_template(
        "automations/flow.html",
        form=form,
        flow=flow,
        error=error,
        stats=stats,
        flow_statuses=FLOW_STATUSES,
    )


@bp.route("/flows/new", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def flow_new():
    return _editor(None)


@bp.route("/flows/<int:flow_id>", methods=["GET", "POST"])
@login_required
def flow_edit(flow_id: int):
    flow = get_or_404(AutomationFlow, flow_id)
    if request.method == "POST":
        return require_role(Role.EDITOR)(_editor)(flow)
    return _editor(flow)


@bp.post("/flows/<int:flow_id>/delete")
@login_required
@require_role(Role.EDITOR)
def flow_delete(flow_id: int):
    flow = get_or_404(AutomationFlow, flow_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(flow)
    db.session.commit()
    flash(_("The flow was deleted."), "success")
    return redirect(url_for("automations.flows"))
