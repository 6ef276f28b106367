"""/api/v1/automations/rules and /automations/flows."""

from __future__ import annotations

from flask import g
from pydantic import ValidationError
from sqlalchemy import select

from app.extensions import db
from app.models import AutomationFiring, AutomationFlow, AutomationRule, Role
from app.services.automations import contacts as contacts_service
from app.services.automations import definitions as defs
from app.services.automations import flow_definitions as flow_defs
from app.services.automations.flows import flow_stats
from app.services.automations.links import click_stats
from app.services.workspaces import scoped
from app.web.api import bp
from app.web.api.automation_schemas import (
    ActionOut,
    ButtonOut,
    FiringOut,
    FiringPage,
    FlowIn,
    FlowOut,
    FlowPage,
    FlowStats,
    FlowUpdate,
    ResultOut,
    RuleIn,
    RuleOut,
    RulePage,
    RuleUpdate,
    StepOut,
)
from app.web.api.errors import ApiError, validation_failed
from app.web.api.rows import id_page, scoped_or_404
from app.web.api.schemas import ListQuery, parse_id
from app.web.api.spec import endpoint
from app.web.automations.messages import error_text

TAGS = ("automations",)


def refused(e: Exception) -> ApiError:
    """A definition or contact error as the 422 the API answers."""
    code = getattr(e, "code", "invalid")
    field = getattr(e, "field", "body")
    return ApiError(422, fields=[{"field": field, "code": code, "message": error_text(code)}])


# ---- rules -------------------------------------------------------------------------------


def rule_out(r: AutomationRule) -> RuleOut:
    clicks = click_stats(db.session, rule_id=r.id)
    return RuleOut(
        id=str(r.id),
        name=r.name,
        enabled=r.enabled,
        account_id=str(r.account_id) if r.account_id else None,
        trigger=r.trigger,
        all_posts=r.all_posts,
        post_ids=[str(p) for p in defs.rule_post_ids(r)],
        media_ids=defs.select_media_ids(r),
        match_mode=r.match_mode,
        keywords=list(r.keywords or []),
        whole_word=r.whole_word,
        first_interaction_only=r.first_interaction_only,
        active_from=r.active_from,
        active_until=r.active_until,
        cooldown_minutes=r.cooldown_minutes,
        position=r.position,
        actions=[ActionOut(type=a.type, config=dict(a.config or {})) for a in r.actions],
        fired_count=r.fired_count,
        last_fired_at=r.last_fired_at,
        created_at=r.created_at,
        clicks=clicks["clicks"],
        clicked=clicks["clicked"],
    )


def _ids(values: list[str]) -> list[int]:
    out = []
    for v in values:
        key = parse_id(v)
        if key is None:
            raise ApiError(
                422,
                fields=[
                    {
                        "field": "post_ids",
                        "code": "post_missing",
                        "message": error_text("post_missing"),
                    }
                ],
            )
        out.append(key)
    return out


def _rule_data(body) -> defs.RuleData:
    data = body.model_dump(exclude_unset=False)
    return defs.RuleData(
        name=data["name"],
        enabled=data["enabled"],
        account_id=int(data["account_id"]) if data.get("account_id") else None,
        trigger=data["trigger"],
        all_posts=data["all_posts"],
        post_ids=_ids(data["post_ids"]),
        media_ids=list(data["media_ids"]),
        match_mode=data["match_mode"],
        keywords=list(data["keywords"]),
        whole_word=data["whole_word"],
        first_interaction_only=data["first_interaction_only"],
        active_from=data.get("active_from"),
        active_until=data.get("active_until"),
        cooldown_minutes=data["cooldown_minutes"],
        position=data["position"],
        actions=[(a["type"], a["config"]) for a in data["actions"]],
    )


def _save_rule(data: defs.RuleData, rule=None) -> AutomationRule:
    try:
        rule = defs.save_rule(db.session, g.workspace.id, data, rule)
    except defs.DefinitionError as e:
        db.session.rollback()
        raise refused(e) from None
    db.session.commit()
    return rule


@bp.get("/automations/rules")
@endpoint(resp=RulePage, query=ListQuery, tags=TAGS)
def list_automation_rules(query: ListQuery):
    """The workspace's automation rules, by id."""
    rows, nxt = id_page(scoped(AutomationRule, g.workspace.id), AutomationRule, query)
    return RulePage(items=[rule_out(r) for r in rows], next=nxt)


@bp.post("/automations/rules")
@endpoint(status=201, resp=RuleOut, json=RuleIn, role=Role.EDITOR, tags=TAGS)
def create_automation_rule(json: RuleIn):
    """Create a rule (editors and owners)."""
    return rule_out(_save_rule(_rule_data(json))), 201


@bp.get("/automations/rules/<rule_id>")
@endpoint(resp=RuleOut, tags=TAGS)
def get_automation_rule(rule_id: str):
    """One rule with its actions."""
    return rule_out(scoped_or_404(AutomationRule, rule_id))


@bp.put("/automations/rules/<rule_id>")
@endpoint(resp=RuleOut, json=RuleUpdate, role=Role.EDITOR, tags=TAGS)
def update_automation_rule(rule_id: str, json: RuleUpdate):
    """Change a rule; omitted fields stay as they are."""
    rule = scoped_or_404(AutomationRule, rule_id)
    current = rule_out(rule).model_dump()
    current["actions"] = [{"type": a["type"], "config": a["config"]} for a in current["actions"]]
    merged = {**current, **json.model_dump(exclude_unset=True)}
    merged = {k: v for k, v in merged.items() if k in RuleIn.model_fields}
    try:
        body = RuleIn.model_validate(merged)
    except ValidationError as e:
        raise validation_failed(e.errors(include_url=False)) from None
    return rule_out(_save_rule(_rule_data(body), rule))


@bp.delete("/automations/rules/<rule_id>")
@endpoint(status=204, role=Role.EDITOR, tags=TAGS)
def delete_automation_rule(rule_id: str):
    """Delete a rule and its log."""
    db.session.delete(scoped_or_404(AutomationRule, rule_id))
    db.session.commit()
    return "", 204


@bp.get("/automations/rules/<rule_id>/log")
@endpoint(resp=FiringPage, query=ListQuery, tags=TAGS)
def list_automation_rule_log(rule_id: str, query: ListQuery):
    """Each time the rule fired (or the cooldown held it back), oldest first."""
    rule = scoped_or_404(AutomationRule, rule_id)
    stmt = select(AutomationFiring).where(AutomationFiring.rule_id == rule.id)
    rows, nxt = id_page(stmt, AutomationFiring, query)
    return FiringPage(
        items=[
            FiringOut(
                id=str(f.id),
                at=f.at,
                status=f.status,
                event_kind=f.event_kind,
                contact_id=str(f.contact_id) if f.contact_id else None,
                thread_id=str(f.thread_id) if f.thread_id else None,
                results=[
                    ResultOut(
                        type=r.get("type", ""), result=r.get("result", ""), code=r.get("code")
                    )
                    for r in f.results or []
                ],
            )
            for f in rows
        ],
        next=nxt,
    )


# ---- flows -------------------------------------------------------------------------------


def flow_out(f: AutomationFlow) -> FlowOut:
    stats = flow_stats(db.session, f)
    return FlowOut(
        id=str(f.id),
        name=f.name,
        steps=[
            StepOut(
                position=s.position,
                kind=s.kind,
                text=s.text,
                image_url=s.image_url,
                buttons=[ButtonOut(**b) for b in s.buttons or []],
                tags=list(s.tags or []),
                timeout_minutes=s.timeout_minutes,
                next=s.next_position,
                dropped=stats["drop_off"].get(s.position, 0),
                clicks=stats["step_clicks"].get(s.position, {}).get("clicks", 0),
                clicked=stats["step_clicks"].get(s.position, {}).get("clicked", 0),
            )
            for s in f.steps
        ],
        stats=FlowStats(**{k: stats[k] for k in FlowStats.model_fields}),
    )


def _save_flow(body: FlowIn | FlowUpdate, flow=None) -> AutomationFlow:
    if body.steps is None:
        steps = [flow_defs.step_data_of(db.session, s) for s in flow.steps]
        return _store_flow(body.name or flow.name, steps, flow)
    steps = [
        flow_defs.StepData(
            kind=s.kind,
            text=s.text,
            image_url=s.image_url,
            buttons=[(b.title, b.next) for b in s.buttons],
            branches=[(b.keywords, b.next) for b in s.branches],
            field_key=s.field,
            validate=s.validate_as,
            reask_text=s.reask_text,
            tags=s.tags,
            timeout_minutes=s.timeout_minutes,
            next_position=s.next,
        )
        for s in body.steps
    ]
    return _store_flow(body.name or flow.name, steps, flow)


def _store_flow(name: str, steps: list, flow) -> AutomationFlow:
    try:
        flow = flow_defs.save_flow(db.session, g.workspace.id, name, steps, flow)
    except (defs.DefinitionError, contacts_service.ContactError) as e:
        db.session.rollback()
        raise refused(e) from None
    db.session.commit()
    return flow


@bp.get("/automations/flows")
@endpoint(resp=FlowPage, query=ListQuery, tags=TAGS)
def list_automation_flows(query: ListQuery):
    """The workspace's flows with their counters."""
    rows, nxt = id_page(scoped(AutomationFlow, g.workspace.id), AutomationFlow, query)
    return FlowPage(items=[flow_out(f) for f in rows], next=nxt)


@bp.post("/automations/flows")
@endpoint(status=201, resp=FlowOut, json=FlowIn, role=Role.EDITOR, tags=TAGS)
def create_automation_flow(json: FlowIn):
    """Create a flow; steps are numbered from 1 in the order given."""
    return flow_out(_save_flow(json)), 201


@bp.get("/automations/flows/<flow_id>")
@endpoint(resp=FlowOut, tags=TAGS)
def get_automation_flow(flow_id: str):
    """One flow with its steps, button payloads and counters."""
    return flow_out(scoped_or_404(AutomationFlow, flow_id))


@bp.put("/automations/flows/<flow_id>")
@endpoint(resp=FlowOut, json=FlowUpdate, role=Role.EDITOR, tags=TAGS)
def update_automation_flow(flow_id: str, json: FlowUpdate):
    """Rename a flow and/or replace its steps; omitted fields stay as they are."""
    return flow_out(_save_flow(json, scoped_or_404(AutomationFlow, flow_id)))


@bp.delete("/automations/flows/<flow_id>")
@endpoint(status=204, role=Role.EDITOR, tags=TAGS)
def delete_automation_flow(flow_id: str):
    """Delete a flow (rules starting it skip that action)."""
    db.session.delete(scoped_or_404(AutomationFlow, flow_id))
    db.session.commit()
    return "", 204
