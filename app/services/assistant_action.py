"""The "AI reply" automation action: the assistant answers the comment or DM that fired a rule.

Registered in the automations engine's registry. It needs the account's assistant switched on
(not auto-reply mode: the rule is the owner's explicit choice), sends through
app.services.inbox_actions like every other action, and hands the thread to the team instead
when the assistant would (hand-over topic, a person asked for, unsure, model failure).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AssistantSettings, InboxMessage, InboxThread
from app.services import assistant, inbox_actions
from app.services import assistant_client as model_client
from app.services.automations.engine import Ctx, Skip, register_action

TYPE = "ai_reply"


def availability(session: Session, settings, workspace_id: int, account_id=None) -> str:
    """Why the action cannot answer: "not_configured" (no model), "off" (no account has the
    assistant on), or "" when it can."""
    if not model_client.is_configured(settings):
        return "not_configured"
    stmt = select(func.count(AssistantSettings.id)).where(
        AssistantSettings.workspace_id == workspace_id, AssistantSettings.enabled.is_(True)
    )
    if account_id is not None:
        stmt = stmt.where(AssistantSettings.account_id == account_id)
    return "" if session.scalar(stmt) else "off"


def _newest_incoming_id(ctx: Ctx, thread: InboxThread) -> int:
    return (
        ctx.session.scalar(
            select(InboxMessage.id)
            .where(InboxMessage.thread_id == thread.id, InboxMessage.outgoing.is_(False))
            .order_by(InboxMessage.id.desc())
            .limit(1)
        )
        or 0
    )


def ai_reply(ctx: Ctx, config: dict):
    """Generate the answer and send it as a public reply (comments) or a DM (messages)."""
    from app.services.automations.actions import open_dm_thread

    on_comment = ctx.comment is not None
    if on_comment:
        thread = ctx.session.get(InboxThread, ctx.comment.thread_id)
        if ctx.comment.deleted_at is not None:
            raise Skip("comment_deleted")
    else:
        thread = open_dm_thread(ctx)
    state = assistant.thread_state(ctx.session, thread)
    if state.handed_over_at is not None:
        raise Skip("ai_handed_over")
    try:
        result = assistant.generate(
            ctx.session, ctx.settings, thread, purpose="automation", now=ctx.now
        )
    except assistant.AssistantError as e:
        if e.code not in ("off", "not_configured"):
            assistant.hand_over(ctx.session, thread, "model", ctx.now)
        raise Skip(f"ai_{e.code}"[:64]) from None
    if result.status != "answer":
        assistant.hand_over(ctx.session, thread, result.reason or "unsure", ctx.now)
        raise Skip("ai_handover")
    account_prefs = assistant.prefs_for(ctx.session, ctx.account)
    text = assistant.with_disclosure(ctx.settings, account_prefs, state, result, dm=not on_comment)
    if on_comment:
        ctx.take("replies")
        inbox_actions.reply_to_comment(ctx.session, ctx.settings, ctx.client, ctx.comment, text)
    else:
        ctx.take("messages")
        inbox_actions.send_message(ctx.session, ctx.settings, ctx.client, thread, text)
        # The auto-reply job must not answer the same message again.
        state.handled_message_id = max(state.handled_message_id, _newest_incoming_id(ctx, thread))
    assistant.record_sent(state, ctx.now, disclosed=text != result.text)
    return None


register_action(TYPE, ai_reply, _l("AI reply"))
