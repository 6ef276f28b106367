"""DM flows: send steps, ask with quick-reply buttons, wait, branch, store answers, time out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AutomationFlow, AutomationFlowStep, CustomField, FlowRun, utcnow
from app.services import inbox_actions
from app.services.automations import contacts as contacts_service
from app.services.automations import links
from app.services.automations.engine import Ctx, Skip
from app.services.automations.matching import matches, normalize
from app.services.inbox_rules import private_reply_state
from app.services.workspaces import get_scoped

STEP_KINDS = ("text", "image", "question", "tags", "end")
VALIDATIONS = ("phone", "email", "number", "date")
MAX_REASKS = 2
MAX_STEPS_PER_TURN = 20
QUICK_REPLY_TITLE = 20  # Instagram's limit on a quick reply's title
PAYLOAD = re.compile(r"^KZ:(\d+):(\d+):(\d+)$")


def payload_for(step: AutomationFlowStep, index: int) -> str:
    """The postback payload of a step's button."""
    return f"KZ:{step.flow_id}:{step.position}:{index}"


def quick_replies(step: AutomationFlowStep) -> list[dict]:
    return [
        {"content_type": "text", "title": b["title"][:QUICK_REPLY_TITLE], "payload": b["payload"]}
        for b in step.buttons or []
    ]


def _step(flow: AutomationFlow, position: int | None) -> AutomationFlowStep | None:
    return next((s for s in flow.steps if s.position == position), None)


def _following(flow: AutomationFlow, step: AutomationFlowStep) -> int | None:
    later = [s.position for s in flow.steps if s.position > step.position]
    return min(later) if later else None


def _finish(run: FlowRun, status: str, now: datetime) -> None:
    run.status = status
    run.finished_at = now
    run.waiting_until = None


def start(ctx: Ctx, flow_id) -> str | None:
    """Start a flow for the contact; an earlier waiting run of theirs is replaced."""
    flow = get_scoped(ctx.session, AutomationFlow, flow_id, ctx.account.workspace_id)
    if flow is None or not flow.steps:
        raise Skip("flow_missing")
    for old in ctx.session.scalars(
        select(FlowRun).where(FlowRun.contact_id == ctx.contact.id, FlowRun.status == "waiting")
    ):
        _finish(old, "replaced", ctx.now)
    thread = ctx.dm_thread()
    run = FlowRun(
        workspace_id=flow.workspace_id,
        flow_id=flow.id,
        contact_id=ctx.contact.id,
        account_id=ctx.account.id,
        thread_id=thread.id if thread is not None else None,
        step_position=flow.steps[0].position,
        status="waiting",
        reasks=0,
        started_at=ctx.now,
    )
    ctx.session.add(run)
    ctx.session.flush()
    advance(ctx, run, flow, flow.steps[0].position)
    if run.status == "failed":
        raise Skip("window_closed")
    return f"run_{run.id}"


def _send(ctx: Ctx, run: FlowRun, text: str | None, *, step=None, image_url=None) -> None:
    """Send inside the 24-hour window, or as the comment's one private reply."""
    from app.services.automations.actions import fill, open_dm_thread

    tracked = links.track(ctx, text, flow_id=run.flow_id, step_position=run.step_position)
    text = fill(ctx, tracked)
    try:
        thread = open_dm_thread(ctx)
    except Skip:
        thread = None
    if thread is not None:
        ctx.take("messages")
        inbox_actions.send_message(
            ctx.session,
            ctx.settings,
            ctx.client,
            thread,
            text,
            image_url=image_url,
            quick_replies=quick_replies(step) if step is not None and step.buttons else None,
        )
        run.thread_id = thread.id
        run.delivered_at = run.delivered_at or ctx.now
        return
    comment = ctx.comment
    if comment is not None and text and private_reply_state(comment, now=ctx.now) == "available":
        # Comment-to-DM: the first message goes as the private reply; buttons cannot go with
        # it, so the person answers with text (button titles are understood as text too).
        ctx.take("messages")
        inbox_actions.private_reply(ctx.session, ctx.settings, ctx.client, comment, text)
        run.thread_id = ctx.dm_thread().id
        run.delivered_at = run.delivered_at or ctx.now
        return
    raise Skip("window_closed")


def advance(ctx: Ctx, run: FlowRun, flow: AutomationFlow, position: int | None) -> None:
    """Run steps from `position` until one waits for an answer or the flow ends."""
    for _ in range(MAX_STEPS_PER_TURN):
        step = _step(flow, position)
        if step is None or step.kind == "end":
            _finish(run, "completed", ctx.now)
            return
        run.step_position = step.position
        try:
            if step.kind == "text":
                _send(ctx, run, step.text)
            elif step.kind == "image" and step.image_url:
                _send(ctx, run, step.text, image_url=step.image_url)
            elif step.kind == "tags":
                contacts_service.add_tags(ctx.session, ctx.contact, list(step.tags or []))
            elif step.kind == "question":
                _send(ctx, run, step.text, step=step)
                run.status = "waiting"
                run.reasks = 0
                minutes = step.timeout_minutes or 24 * 60
                run.waiting_until = ctx.now + timedelta(minutes=minutes)
                return
        except (Skip, inbox_actions.InboxRuleError, inbox_actions.InboxSendError):
            _finish(run, "failed", ctx.now)
            return
        position = step.next_position or _following(flow, step)
    _finish(run, "failed", ctx.now)  # a loop of steps without a question


def _button_for(step: AutomationFlowStep, payload: str | None, text: str | None):
    buttons = step.buttons or []
    if payload:
        for b in buttons:
            if b.get("payload") == payload:
                return b
    said = normalize(text)
    if said:
        for b in buttons:
            if normalize(b.get("title")) == said:
                return b
    return None


def handle_reply(ctx: Ctx) -> bool:
    """Give a DM or button tap to the contact's waiting flow; False when none is waiting."""
    run = ctx.session.scalar(
        select(FlowRun)
        .where(
            FlowRun.contact_id == ctx.contact.id,
            FlowRun.account_id == ctx.account.id,
            FlowRun.status == "waiting",
        )
        .order_by(FlowRun.id.desc())
        .limit(1)
    )
    if run is None:
        return False
    if run.waiting_until is not None and run.waiting_until < ctx.now:
        _finish(run, "timed_out", ctx.now)
        return False
    flow = ctx.session.get(AutomationFlow, run.flow_id)
    step = _step(flow, run.step_position) if flow else None
    if step is None or step.kind != "question":
        _finish(run, "failed", ctx.now)
        return False
    event = ctx.event
    button = _button_for(step, event.payload, event.text)
    if button is not None:
        advance(ctx, run, flow, button.get("next") or _following(flow, step))
        return True
    for branch in step.branches or []:
        if matches(event.text, branch.get("keywords"), mode="any"):
            advance(ctx, run, flow, branch.get("next") or _following(flow, step))
            return True
    if step.field_id is not None:
        field = ctx.session.get(CustomField, step.field_id)
        try:
            if field is not None:
                contacts_service.set_value(
                    ctx.session, ctx.contact, field, event.text or "", validate=step.validate
                )
        except contacts_service.ContactError:
            return _reask(ctx, run, step)
    elif step.buttons and not step.branches:
        return _reask(ctx, run, step)
    advance(ctx, run, flow, step.next_position or _following(flow, step))
    return True


def _reask(ctx: Ctx, run: FlowRun, step: AutomationFlowStep) -> bool:
    if run.reasks >= MAX_REASKS:
        _finish(run, "failed", ctx.now)
        return True
    run.reasks += 1
    try:
        _send(ctx, run, step.reask_text or step.text, step=step)
    except (Skip, inbox_actions.InboxRuleError, inbox_actions.InboxSendError):
        _finish(run, "failed", ctx.now)
    return True


def expire_runs(session: Session, now: datetime | None = None) -> int:
    """Runs whose question went unanswered past its timeout end as `timed_out`."""
    now = now or utcnow()
    n = 0
    for run in session.scalars(
        select(FlowRun).where(FlowRun.status == "waiting", FlowRun.waiting_until < now).limit(500)
    ):
        _finish(run, "timed_out", now)
        n += 1
    session.flush()
    return n


def flow_stats(session: Session, flow: AutomationFlow) -> dict:
    """Started, delivered, clicked, completed, how runs ended, and per-step drop-off/clicks."""
    rows = session.execute(
        select(
            FlowRun.status, FlowRun.step_position, func.count(), func.count(FlowRun.delivered_at)
        )
        .where(FlowRun.flow_id == flow.id)
        .group_by(FlowRun.status, FlowRun.step_position)
    ).all()
    stats = {"started": 0, "delivered": 0, "completed": 0, "timed_out": 0, "failed": 0}
    stats["waiting"] = 0
    drop: dict[int, int] = {}
    for status, position, n, delivered in rows:
        stats["started"] += n
        stats["delivered"] += delivered
        if status in stats:
            stats[status] += n
        if status in ("timed_out", "failed", "replaced"):
            drop[position] = drop.get(position, 0) + n
    stats["drop_off"] = drop
    clicks = links.click_stats(session, flow_id=flow.id)
    stats["clicks"], stats["clicked"] = clicks["clicks"], clicks["clicked"]
    stats["step_clicks"] = clicks["steps"]
    return stats
