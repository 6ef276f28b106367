"""The engine: claim queued events, match rules, run their actions through the inbox's sends.

Actions are looked up in ACTIONS by type (see actions.py); another action type (an "AI
reply", say) is added with `register_action()` and needs no change here.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.models import (
    AutomationCooldown,
    AutomationEvent,
    AutomationFiring,
    AutomationQuota,
    AutomationRule,
    AutomationRulePost,
    Contact,
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    Post,
    utcnow,
)
from app.services.automations.contacts import touch_contact
from app.services.automations.matching import matches
from app.services.inbox import get_or_create
from app.services.outgoing_webhooks import events as webhook_events

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
TRIGGER_OF = {
    "comment": "comment",
    "dm": "dm",
    "postback": "dm",
    "story_reply": "story_reply",
    "story_mention": "story_mention",
}


class Skip(Exception):
    """An action was not run on purpose (closed window, cap, nothing to act on)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class ActionSpec:
    """A registered action type: its handler and its name in the dashboard."""

    type: str
    handler: object  # (ctx: Ctx, config: dict) -> str | None (an optional detail code)
    label: object
    comment_only: bool = False


ACTIONS: dict[str, ActionSpec] = {}


def register_action(type_: str, handler, label, *, comment_only: bool = False) -> None:
    """Add (or replace) an action type; rules store it as {"type": type_, "config": {...}}."""
    ACTIONS[type_] = ActionSpec(type_, handler, label, comment_only)


@dataclass
class Ctx:
    """Everything an action may need about the event being answered."""

    session: Session
    settings: object
    client: object
    event: AutomationEvent
    account: InstagramAccount
    contact: Contact
    thread: InboxThread | None
    comment: InboxComment | None
    message: InboxMessage | None
    rule: AutomationRule | None = None
    rng: random.Random = field(default_factory=random.Random)
    now: datetime = field(default_factory=utcnow)

    def dm_thread(self) -> InboxThread | None:
        """The person's DM conversation with the account, if there is one."""
        if self.thread is not None and self.thread.kind == "dm":
            return self.thread
        return self.session.scalar(
            select(InboxThread).where(
                InboxThread.account_id == self.account.id,
                InboxThread.kind == "dm",
                InboxThread.thread_key == self.contact.igsid,
            )
        )

    def take(self, kind: str) -> None:
        """Count one automated send against the account's hourly cap, or Skip("cap")."""
        if not take_quota(self.session, self.settings, self.account.id, kind, self.now):
            raise Skip("cap")


def take_quota(session: Session, settings, account_id: int, kind: str, now: datetime) -> bool:
    """Atomically count a send of `kind` (replies | messages) in this clock hour."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    get_or_create(
        session,
        AutomationQuota,
        {"account_id": account_id, "hour": hour},
        {"replies": 0, "messages": 0},
    )
    cap = (
        settings.AUTOMATION_MAX_REPLIES_PER_HOUR
        if kind == "replies"
        else settings.AUTOMATION_MAX_MESSAGES_PER_HOUR
    )
    column = getattr(AutomationQuota, kind)
    result = session.execute(
        update(AutomationQuota)
        .where(
            AutomationQuota.account_id == account_id,
            AutomationQuota.hour == hour,
            column < cap,
        )
        .values({kind: column + 1})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


# ---- the queue --------------------------------------------------------------------------


def claim_due(session: Session, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Lease due events (SKIP LOCKED on MariaDB) and return their ids; the caller commits."""
    now = now or utcnow()
    stmt = (
        select(AutomationEvent)
        .where(
            AutomationEvent.status == "pending",
            AutomationEvent.run_after <= now,
            or_(AutomationEvent.lease_until.is_(None), AutomationEvent.lease_until < now),
        )
        .order_by(AutomationEvent.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = []
    for event in session.scalars(stmt).all():
        event.attempts += 1
        event.lease_until = now + LEASE
        if event.attempts > MAX_ATTEMPTS:
            event.status = "failed"
            continue
        ids.append(event.id)
    session.flush()
    return ids


def run_event(session: Session, settings, client, event_id: int) -> None:
    """Evaluate one claimed event; it ends `done` whatever the actions' results."""
    event = session.get(AutomationEvent, event_id)
    if event is None or event.status != "pending":
        return
    try:
        with session.begin_nested():
            evaluate(session, settings, client, event)
    except Exception:  # one bad event must not block the queue; retried up to MAX_ATTEMPTS
        log.exception("automation event failed", extra={"event": event_id})
        return
    event.status = "done"
    event.lease_until = None


def evaluate(session: Session, settings, client, event: AutomationEvent) -> None:
    """Update the contact, hand the answer to a waiting flow, else fire the first rule."""
    from app.services.automations import flows

    account = session.get(InstagramAccount, event.account_id)
    if account is None:
        return
    contact, created = touch_contact(
        session, account, event.igsid, event.username, event.created_at
    )
    ctx = Ctx(
        session=session,
        settings=settings,
        client=client,
        event=event,
        account=account,
        contact=contact,
        thread=session.get(InboxThread, event.thread_id) if event.thread_id else None,
        comment=session.get(InboxComment, event.comment_id) if event.comment_id else None,
        message=session.get(InboxMessage, event.message_id) if event.message_id else None,
    )
    if ctx.comment is not None and ctx.comment.is_own:
        return  # never answer ourselves
    if event.kind in ("dm", "postback", "story_reply") and flows.handle_reply(ctx):
        return
    for rule in candidate_rules(session, account, event, ctx.now):
        if not rule_matches(session, rule, event, first=created):
            continue
        fire(ctx, rule)
        return  # one rule per message: overlapping rules never answer twice


def candidate_rules(session: Session, account, event, now: datetime) -> list[AutomationRule]:
    """Enabled rules of the workspace for this trigger and account, in priority order."""
    trigger = TRIGGER_OF.get(event.kind, event.kind)
    rules = session.scalars(
        select(AutomationRule)
        .where(
            AutomationRule.workspace_id == account.workspace_id,
            AutomationRule.enabled.is_(True),
            AutomationRule.trigger == trigger,
            or_(AutomationRule.account_id.is_(None), AutomationRule.account_id == account.id),
        )
        .order_by(AutomationRule.position, AutomationRule.id)
    )
    return [
        r
        for r in rules
        if (r.active_from is None or r.active_from <= now)
        and (r.active_until is None or now < r.active_until)
    ]


def rule_media_ids(session: Session, rule: AutomationRule) -> set[str]:
    """Instagram media ids a post-limited rule covers (scheduled posts count once published)."""
    ids = set()
    for target in session.scalars(
        select(AutomationRulePost).where(AutomationRulePost.rule_id == rule.id)
    ):
        if target.ig_media_id:
            ids.add(target.ig_media_id)
        elif target.post_id:
            post = session.get(Post, target.post_id)
            if post is not None and post.ig_media_id:
                ids.add(post.ig_media_id)
    return ids


def rule_matches(session: Session, rule: AutomationRule, event, *, first: bool) -> bool:
    """Whether a rule's condition holds for an event."""
    if rule.first_interaction_only and not first:
        return False
    if rule.trigger == "comment" and not rule.all_posts:
        if not event.ig_media_id or event.ig_media_id not in rule_media_ids(session, rule):
            return False
    return matches(event.text, rule.keywords, mode=rule.match_mode, whole_word=rule.whole_word)


def _cooling(session: Session, rule: AutomationRule, contact: Contact, now: datetime) -> bool:
    """True when the rule fired for this person within its cooldown; else start a new one."""
    row, created = get_or_create(
        session,
        AutomationCooldown,
        {"rule_id": rule.id, "contact_id": contact.id},
        {"fired_at": now},
    )
    if created:
        return False
    if rule.cooldown_minutes and now < row.fired_at + timedelta(minutes=rule.cooldown_minutes):
        return True
    row.fired_at = now
    return False


def fire(ctx: Ctx, rule: AutomationRule) -> AutomationFiring:
    """Run a rule's actions in order (or log that the cooldown held it back)."""
    from app.services.automations import actions  # noqa: F401 - registers the built-ins

    session = ctx.session
    ctx.rule = rule
    firing = AutomationFiring(
        workspace_id=rule.workspace_id,
        rule_id=rule.id,
        contact_id=ctx.contact.id,
        thread_id=ctx.thread.id if ctx.thread else None,
        event_kind=ctx.event.kind,
        status="fired",
        results=[],
        at=ctx.now,
    )
    if _cooling(session, rule, ctx.contact, ctx.now):
        firing.status = "cooldown"
        session.add(firing)
        session.flush()
        return firing
    session.add(firing)
    results = []
    for action in rule.actions:
        results.append(run_action(ctx, action.type, action.config or {}))
    firing.results = results
    rule.fired_count = (rule.fired_count or 0) + 1
    rule.last_fired_at = ctx.now
    session.flush()
    webhook_events.automation_fired(session, ctx, rule, firing)
    return firing


def run_action(ctx: Ctx, type_: str, config: dict) -> dict:
    """Run one action; its outcome is `done`, `skipped` or `failed` with a code."""
    from app.services.automations.contacts import ContactError
    from app.services.inbox_actions import InboxRuleError, InboxSendError

    spec = ACTIONS.get(type_)
    if spec is None:
        return {"type": type_, "result": "skipped", "code": "unknown_action"}
    if spec.comment_only and ctx.comment is None:
        return {"type": type_, "result": "skipped", "code": "not_a_comment"}
    try:
        detail = spec.handler(ctx, config)
    except Skip as e:
        return {"type": type_, "result": "skipped", "code": e.code}
    except InboxRuleError as e:
        return {"type": type_, "result": "skipped", "code": e.code}
    except InboxSendError as e:
        return {"type": type_, "result": "failed", "code": e.action.error_key}
    except ContactError as e:
        return {"type": type_, "result": "failed", "code": e.code}
    out = {"type": type_, "result": "done"}
    if detail:
        out["code"] = str(detail)[:64]
    return out
