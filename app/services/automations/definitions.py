"""Creating and changing rules (shared by the dashboard and the API); flows are in
flow_definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import (
    AutomationAction,
    AutomationFlow,
    AutomationRule,
    AutomationRulePost,
    InstagramAccount,
    MatchMode,
    Post,
    Trigger,
)
from app.services.automations import contacts as contacts_service
from app.services.automations.matching import split_keywords
from app.services.inbox_rules import COMMENT_MAX_CHARS, DM_MAX_BYTES
from app.services.workspaces import get_scoped, scoped

MAX_VARIANTS = 10
COOLDOWN_MAX = 365 * 24 * 60


class DefinitionError(Exception):
    """A rule or flow was refused: `code` says why, `field` names the input."""

    def __init__(self, code: str, field: str = "general"):
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


@dataclass
class RuleData:
    name: str
    trigger: str = Trigger.COMMENT.value
    enabled: bool = True
    account_id: int | None = None
    all_posts: bool = True
    post_ids: list[int] = field(default_factory=list)
    media_ids: list[str] = field(default_factory=list)
    match_mode: str = MatchMode.ANY.value
    keywords: list[str] = field(default_factory=list)
    whole_word: bool = True
    first_interaction_only: bool = False
    active_from: datetime | None = None
    active_until: datetime | None = None
    cooldown_minutes: int = 1440
    position: int = 0
    actions: list[tuple[str, dict]] = field(default_factory=list)


def checked_text(value, field_name: str, *, dm: bool) -> str:
    """A reply text, trimmed; refused when empty or longer than a DM or a comment allows."""
    text = str(value or "").strip()
    if not text:
        raise DefinitionError("text_empty", field_name)
    too_long = len(text.encode()) > DM_MAX_BYTES if dm else len(text) > COMMENT_MAX_CHARS
    if too_long:
        raise DefinitionError("text_too_long", field_name)
    return text


def check_action(session: Session, ws: int, trigger: str, type_: str, config: dict) -> dict:
    """A built-in action's config in its stored form; unknown registered types pass as is."""
    from app.services.automations.actions import ORDER
    from app.services.automations.engine import ACTIONS

    if type_ not in ACTIONS:
        raise DefinitionError("action_unknown", "actions")
    if ACTIONS[type_].comment_only and trigger != Trigger.COMMENT.value:
        raise DefinitionError("action_comment_only", type_)
    if type_ not in ORDER:
        return dict(config or {})
    if type_ == "public_reply":
        variants = [
            checked_text(v, type_, dm=False) for v in config.get("variants") or [] if str(v).strip()
        ]
        if not variants:
            raise DefinitionError("text_empty", type_)
        return {"variants": variants[:MAX_VARIANTS]}
    if type_ in ("private_reply", "send_dm"):
        return {"text": checked_text(config.get("text"), type_, dm=True)}
    if type_ == "start_flow":
        flow = get_scoped(session, AutomationFlow, config.get("flow_id"), ws)
        if flow is None:
            raise DefinitionError("flow_missing", type_)
        return {"flow_id": flow.id}
    if type_ in ("add_tags", "remove_tags"):
        try:
            tags = [
                contacts_service.clean_tag(t) for t in config.get("tags") or [] if str(t).strip()
            ]
        except contacts_service.ContactError:
            tags = []
        if not tags:
            raise DefinitionError("tags_empty", type_)
        return {"tags": list(dict.fromkeys(tags))[:20]}
    if type_ == "set_field":
        key = str(config.get("field") or "")
        if contacts_service.field_by_key(session, ws, key) is None:
            raise DefinitionError("field_missing", type_)
        return {"field": key, "value": str(config.get("value") or "")[:1000]}
    return {}


def save_rule(
    session: Session, ws: int, data: RuleData, rule: AutomationRule | None = None
) -> AutomationRule:
    """Create or replace a rule (its actions and chosen posts too) after checking it."""
    name = " ".join((data.name or "").split())[:120]
    if not name:
        raise DefinitionError("name_empty", "name")
    if data.trigger not in {t.value for t in Trigger}:
        raise DefinitionError("trigger_invalid", "trigger")
    if data.match_mode not in {m.value for m in MatchMode}:
        raise DefinitionError("match_mode_invalid", "match_mode")
    keywords = split_keywords("\n".join(data.keywords))
    if data.match_mode != MatchMode.ANY_MESSAGE.value and not keywords:
        raise DefinitionError("keywords_empty", "keywords")
    if (
        data.account_id is not None
        and get_scoped(session, InstagramAccount, data.account_id, ws) is None
    ):
        raise DefinitionError("account_missing", "account_id")
    if not 0 <= data.cooldown_minutes <= COOLDOWN_MAX:
        raise DefinitionError("cooldown_invalid", "cooldown_minutes")
    if data.active_from and data.active_until and data.active_until <= data.active_from:
        raise DefinitionError("period_invalid", "active_until")
    actions = [(t, check_action(session, ws, data.trigger, t, c)) for t, c in data.actions]
    if not actions:
        raise DefinitionError("actions_empty", "actions")
    comment_rule = data.trigger == Trigger.COMMENT.value
    posts = []
    if comment_rule and not data.all_posts:
        for post_id in dict.fromkeys(data.post_ids):
            if get_scoped(session, Post, post_id, ws) is None:
                raise DefinitionError("post_missing", "post_ids")
            posts.append(AutomationRulePost(post_id=post_id))
        for media_id in dict.fromkeys(m.strip()[:64] for m in data.media_ids if m.strip()):
            posts.append(AutomationRulePost(ig_media_id=media_id))
        if not posts:
            raise DefinitionError("posts_empty", "post_ids")
    if rule is None:
        rule = AutomationRule(workspace_id=ws, fired_count=0)
        session.add(rule)
    rule.name = name
    rule.enabled = data.enabled
    rule.account_id = data.account_id
    rule.trigger = data.trigger
    rule.all_posts = not comment_rule or data.all_posts
    rule.match_mode = data.match_mode
    rule.keywords = keywords
    rule.whole_word = data.whole_word
    rule.first_interaction_only = data.first_interaction_only
    rule.active_from = data.active_from
    rule.active_until = data.active_until
    rule.cooldown_minutes = data.cooldown_minutes
    rule.position = data.position
    rule.actions[:] = [
        AutomationAction(position=i, type=t, config=c) for i, (t, c) in enumerate(actions)
    ]
    rule.posts[:] = posts
    session.flush()
    return rule


def attach_posts(session: Session, ws: int, rule_ids: list[int], posts: list[Post]) -> int:
    """Limit comment rules to these (maybe still scheduled) posts too: the composer's hook."""
    n = 0
    for rule_id in dict.fromkeys(rule_ids):
        rule = get_scoped(session, AutomationRule, rule_id, ws)
        if rule is None or rule.trigger != Trigger.COMMENT.value:
            continue
        known = {p.post_id for p in rule.posts}
        if rule.all_posts:
            rule.all_posts = False
            rule.posts[:] = []
            known = set()
        for post in posts:
            if post.workspace_id == ws and post.id not in known:
                rule.posts.append(AutomationRulePost(post_id=post.id))
                n += 1
    session.flush()
    return n


def comment_rules(session: Session, ws: int) -> list[AutomationRule]:
    """Comment rules of a workspace (the composer offers them)."""
    return list(
        session.scalars(
            scoped(AutomationRule, ws)
            .where(AutomationRule.trigger == Trigger.COMMENT.value)
            .order_by(AutomationRule.name)
        )
    )


def rules_of(session: Session, ws: int) -> list[AutomationRule]:
    return list(
        session.scalars(
            scoped(AutomationRule, ws).order_by(AutomationRule.position, AutomationRule.id)
        )
    )


def posts_for_rules(session: Session, ws: int, limit: int = 100) -> list[Post]:
    """Recent posts (scheduled or published) a comment rule can be limited to."""
    return list(
        session.scalars(
            scoped(Post, ws)
            .where(Post.type != "story", Post.status.notin_(("cancelled", "failed")))
            .order_by(Post.id.desc())
            .limit(limit)
        )
    )


def rule_post_ids(rule: AutomationRule) -> list[int]:
    return [p.post_id for p in rule.posts if p.post_id]


def select_media_ids(rule: AutomationRule) -> list[str]:
    return [p.ig_media_id for p in rule.posts if p.ig_media_id]
