"""Rules: the list, the editor, switching on and off, deleting, and each rule's log."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from app.extensions import db
from app.models import AutomationFiring, AutomationRule, Contact, InstagramMedia, Role
from app.services import assistant_action
from app.services.accounts import list_accounts
from app.services.automations import actions as builtin_actions
from app.services.automations import contacts as contacts_service
from app.services.automations import definitions as defs
from app.services.automations import flow_definitions as flow_defs
from app.services.automations.links import click_stats
from app.services.workspaces import scoped
from app.web.admin.forms import EmptyForm
from app.web.automations import bp
from app.web.automations.forms import RuleForm
from app.web.automations.messages import (
    STATUSES,
    TRIGGER_NAMES,
    action_label,
    error_text,
    outcome_text,
)
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.publishing.helpers import workspace_tz

LOG_PAGE = 50


@bp.app_context_processor
def _composer_rules():
    """The composer lists comment rules a new post can be attached to."""

    def automation_comment_rules():
        from flask import g

        ws = g.get("workspace")
        return defs.comment_rules(db.session, ws.id) if ws is not None else []

    return {"automation_comment_rules": automation_comment_rules}


@bp.route("/")
@login_required
def index():
    ws = current_workspace_id()
    rules = defs.rules_of(db.session, ws)
    return render_template(
        "automations/index.html",
        rules=rules,
        trigger_names=TRIGGER_NAMES,
        action_label=action_label,
        contacts=contacts_service.count_contacts(db.session, ws),
        form=EmptyForm(),
    )


def _local(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=workspace_tz()) if parsed.tzinfo is None else parsed


def _choices(form: RuleForm, ws: int) -> None:
    form.account_id.choices = [("", _("Every account"))] + [
        (str(a.id), "@" + a.username) for a in list_accounts(db.session, ws)
    ]
    form.flow_id.choices = [("", _("No flow"))] + [
        (str(f.id), f.name) for f in flow_defs.flows_of(db.session, ws)
    ]
    form.set_field.choices = [("", _("No field"))] + [
        (f.key, f.name) for f in contacts_service.list_fields(db.session, ws)
    ]


def _tags(raw: str | None) -> list[str]:
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


def _rule_data(form: RuleForm) -> defs.RuleData:
    actions: list[tuple[str, dict]] = []
    variants = [line.strip() for line in (form.public_reply.data or "").splitlines()]
    if any(variants):
        actions.append(("public_reply", {"variants": [v for v in variants if v]}))
    if (form.private_reply.data or "").strip():
        actions.append(("private_reply", {"text": form.private_reply.data}))
    if (form.send_dm.data or "").strip():
        actions.append(("send_dm", {"text": form.send_dm.data}))
    if form.ai_reply.data:
        actions.append((assistant_action.TYPE, {}))
    if form.flow_id.data:
        actions.append(("start_flow", {"flow_id": form.flow_id.data}))
    if _tags(form.add_tags.data):
        actions.append(("add_tags", {"tags": _tags(form.add_tags.data)}))
    if _tags(form.remove_tags.data):
        actions.append(("remove_tags", {"tags": _tags(form.remove_tags.data)}))
    if form.set_field.data:
        actions.append(
            ("set_field", {"field": form.set_field.data, "value": form.set_field_value.data})
        )
    for flag in ("hide_comment", "mark_done", "notify"):
        if getattr(form, flag).data:
            actions.append((flag, {}))
    account = form.account_id.data or ""
    return defs.RuleData(
        name=form.name.data or "",
        enabled=bool(form.enabled.data),
        account_id=int(account) if account.isdigit() else None,
        trigger=form.trigger.data,
        all_posts=form.all_posts.data != "0",
        post_ids=[int(p) for p in request.form.getlist("post_ids") if p.isdigit()],
        media_ids=request.form.getlist("media_ids"),
        match_mode=form.match_mode.data,
        keywords=[form.keywords.data or ""],
        whole_word=bool(form.whole_word.data),
        first_interaction_only=bool(form.first_interaction_only.data),
        active_from=_local(form.active_from.data),
        active_until=_local(form.active_until.data),
        cooldown_minutes=form.cooldown_minutes.data
        if form.cooldown_minutes.data is not None
        else 1440,
        actions=actions,
    )


def _fill(form: RuleForm, rule: AutomationRule) -> None:
    tz = workspace_tz()
    form.name.data = rule.name
    form.enabled.data = rule.enabled
    form.account_id.data = str(rule.account_id or "")
    form.trigger.data = rule.trigger
    form.all_posts.data = "1" if rule.all_posts else "0"
    form.match_mode.data = rule.match_mode
    form.keywords.data = "\n".join(rule.keywords or [])
    form.whole_word.data = rule.whole_word
    form.first_interaction_only.data = rule.first_interaction_only
    for name in ("active_from", "active_until"):
        value = getattr(rule, name)
        getattr(form, name).data = value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else ""
    form.cooldown_minutes.data = rule.cooldown_minutes
    for action in rule.actions:
        config = action.config or {}
        if action.type == "public_reply":
            form.public_reply.data = "\n".join(config.get("variants") or [])
        elif action.type in ("private_reply", "send_dm"):
            getattr(form, action.type).data = config.get("text", "")
        elif action.type == "start_flow":
            form.flow_id.data = str(config.get("flow_id", ""))
        elif action.type in ("add_tags", "remove_tags"):
            getattr(form, action.type).data = ", ".join(config.get("tags") or [])
        elif action.type == "set_field":
            form.set_field.data = config.get("field", "")
            form.set_field_value.data = config.get("value", "")
        elif action.type in ("hide_comment", "mark_done", "notify", assistant_action.TYPE):
            getattr(form, action.type).data = True


def _ai_state(form: RuleForm, rule: AutomationRule | None, ws: int) -> str:
    """Why "AI reply" cannot answer yet ("" when it can); the box is disabled then, unless
    the rule already has the action (so saving never drops it)."""
    account = form.account_id.data or ""
    state = assistant_action.availability(
        db.session,
        current_app.config["SETTINGS"],
        ws,
        int(account) if account.isdigit() else None,
    )
    has_it = rule is not None and any(a.type == assistant_action.TYPE for a in rule.actions)
    if state and not has_it and not form.ai_reply.data:
        form.ai_reply.render_kw = {"disabled": True}
    return state


def _editor(rule: AutomationRule | None):
    ws = current_workspace_id()
    form = RuleForm()
    _choices(form, ws)
    error = None
    if request.method == "GET" and rule is not None:
        _fill(form, rule)
    if form.validate_on_submit():
        try:
            rule = defs.save_rule(db.session, ws, _rule_data(form), rule)
        except defs.DefinitionError as e:
            db.session.rollback()
            error = error_text(e.code)
        else:
            db.session.commit()
            flash(_("The rule was saved."), "success")
            return redirect(url_for("automations.index"))
    elif request.method == "POST":
        error = _("Check the highlighted fields.")
    ai_state = _ai_state(form, rule, ws)
    chosen_posts = (
        set(int(p) for p in request.form.getlist("post_ids") if p.isdigit())
        if request.method == "POST"
        else set(defs.rule_post_ids(rule) if rule else [])
    )
    chosen_media = (
        set(request.form.getlist("media_ids"))
        if request.method == "POST"
        else set(defs.select_media_ids(rule) if rule else [])
    )
    media = db.session.scalars(
        scoped(InstagramMedia, ws).order_by(InstagramMedia.posted_at.desc()).limit(30)
    ).all()
    return render_template(
        "automations/rule.html",
        form=form,
        rule=rule,
        error=error,
        posts=defs.posts_for_rules(db.session, ws),
        media=media,
        chosen_posts=chosen_posts,
        chosen_media=chosen_media,
        order=builtin_actions.ORDER,
        ai_state=ai_state,
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def rule_new():
    return _editor(None)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def rule_edit(rule_id: int):
    rule = get_or_404(AutomationRule, rule_id)
    if request.method == "POST":
        return require_role(Role.EDITOR)(_editor)(rule)
    return _editor(rule)


@bp.post("/rules/<int:rule_id>/toggle")
@login_required
@require_role(Role.EDITOR)
def rule_toggle(rule_id: int):
    rule = get_or_404(AutomationRule, rule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    rule.enabled = not rule.enabled
    db.session.commit()
    flash(_("The rule is on.") if rule.enabled else _("The rule is off."), "success")
    return redirect(url_for("automations.index"))


@bp.post("/rules/<int:rule_id>/delete")
@login_required
@require_role(Role.EDITOR)
def rule_delete(rule_id: int):
    rule = get_or_404(AutomationRule, rule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(rule)
    db.session.commit()
    flash(_("The rule was deleted."), "success")
    return redirect(url_for("automations.index"))


@bp.route("/rules/<int:rule_id>/log")
@login_required
def rule_log(rule_id: int):
    rule = get_or_404(AutomationRule, rule_id)
    rows = db.session.execute(
        select(AutomationFiring, Contact)
        .outerjoin(Contact, Contact.id == AutomationFiring.contact_id)
        .where(AutomationFiring.rule_id == rule.id)
        .order_by(AutomationFiring.id.desc())
        .limit(LOG_PAGE)
    ).all()
    return render_template(
        "automations/log.html",
        rule=rule,
        rows=rows,
        statuses=STATUSES,
        trigger_names=TRIGGER_NAMES,
        action_label=action_label,
        outcome_text=outcome_text,
        clicks=click_stats(db.session, rule_id=rule.id),
    )
