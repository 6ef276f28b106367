"""The built-in actions, in the order the rule editor offers them.

Every send goes through app.services.inbox_actions (same client, same error classification,
failures shown in the inbox with a retry). Windows are checked first: a window that has
closed is skipped, never violated; automated DMs never use the human-agent tag.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import ThreadStatus
from app.services import inbox_actions
from app.services import notifications as notifications_service
from app.services.automations import contacts as contacts_service
from app.services.automations import links
from app.services.automations.engine import Ctx, Skip, register_action
from app.services.inbox_rules import dm_window, private_reply_state

# Canonical order of the built-in actions (the editor and the API list them this way).
ORDER = (
    "public_reply",
    "private_reply",
    "send_dm",
    "start_flow",
    "add_tags",
    "remove_tags",
    "set_field",
    "hide_comment",
    "mark_done",
    "notify",
)

notifications_service.MESSAGES.setdefault(
    "automation_fired",
    _l("Automation “%(rule)s” answered @%(username)s."),
)


def fill(ctx: Ctx, text: str) -> str:
    """Replace {{username}} and {{field_key}} with the contact's values."""
    values = contacts_service.values_by_key(ctx.session, ctx.contact)
    values["username"] = ctx.contact.username or ""
    out = text or ""
    for key, value in values.items():
        out = out.replace("{{" + key + "}}", value).replace("{{ " + key + " }}", value)
    return out


def _tracked(ctx: Ctx, text: str | None) -> str:
    """A rule's DM text with its links going through Kezek's click-counting redirect."""
    return links.track(ctx, text, rule_id=ctx.rule.id if ctx.rule is not None else None)


def open_dm_thread(ctx: Ctx):
    """The DM conversation when its 24-hour window is open (no human-agent tag for bots)."""
    thread = ctx.dm_thread()
    if thread is None:
        raise Skip("window_closed")
    window = dm_window(thread, ctx.settings, now=ctx.now)
    if not window.open or window.human_agent:
        raise Skip("window_closed")
    return thread


def public_reply(ctx: Ctx, config: dict):
    variants = [v for v in config.get("variants") or [] if str(v).strip()]
    if not variants:
        raise Skip("no_text")
    if ctx.comment.deleted_at is not None:
        raise Skip("comment_deleted")
    ctx.take("replies")
    text = fill(ctx, ctx.rng.choice(variants))
    inbox_actions.reply_to_comment(ctx.session, ctx.settings, ctx.client, ctx.comment, text)


def private_reply(ctx: Ctx, config: dict):
    state = private_reply_state(ctx.comment, now=ctx.now)
    if state != "available":
        raise Skip(f"private_reply_{state}")
    ctx.take("messages")
    text = fill(ctx, _tracked(ctx, config.get("text")))
    inbox_actions.private_reply(ctx.session, ctx.settings, ctx.client, ctx.comment, text)


def send_dm(ctx: Ctx, config: dict):
    thread = open_dm_thread(ctx)
    ctx.take("messages")
    text = fill(ctx, _tracked(ctx, config.get("text")))
    inbox_actions.send_message(ctx.session, ctx.settings, ctx.client, thread, text)


def start_flow(ctx: Ctx, config: dict):
    from app.services.automations import flows

    return flows.start(ctx, config.get("flow_id"))


def add_tags(ctx: Ctx, config: dict):
    contacts_service.add_tags(ctx.session, ctx.contact, list(config.get("tags") or []))


def remove_tags(ctx: Ctx, config: dict):
    contacts_service.remove_tags(ctx.session, ctx.contact, list(config.get("tags") or []))


def set_field(ctx: Ctx, config: dict):
    field = contacts_service.field_by_key(
        ctx.session, ctx.contact.workspace_id, str(config.get("field") or "")
    )
    if field is None:
        raise Skip("field_missing")
    contacts_service.set_value(ctx.session, ctx.contact, field, fill(ctx, config.get("value", "")))


def hide_comment(ctx: Ctx, config: dict):
    if ctx.comment.hidden:
        return "already_hidden"
    inbox_actions.set_hidden(ctx.session, ctx.settings, ctx.client, ctx.comment, True)


def mark_done(ctx: Ctx, config: dict):
    if ctx.thread is None:
        raise Skip("no_thread")
    ctx.thread.status = ThreadStatus.DONE.value
    ctx.thread.unread_count = 0


def notify(ctx: Ctx, config: dict):
    link = f"/inbox/threads/{ctx.thread.id}" if ctx.thread is not None else None
    notifications_service.notify(
        ctx.session,
        ctx.contact.workspace_id,
        "automation_fired",
        {"rule": ctx.rule.name if ctx.rule else "", "username": ctx.contact.username or "…"},
        link=link,
    )


register_action("public_reply", public_reply, _l("Public reply"), comment_only=True)
register_action("private_reply", private_reply, _l("Private reply"), comment_only=True)
register_action("send_dm", send_dm, _l("Send a DM"))
register_action("start_flow", start_flow, _l("Start a flow"))
register_action("add_tags", add_tags, _l("Add tags"))
register_action("remove_tags", remove_tags, _l("Remove tags"))
register_action("set_field", set_field, _l("Set a field"))
register_action("hide_comment", hide_comment, _l("Hide the comment"), comment_only=True)
register_action("mark_done", mark_done, _l("Mark the thread done"))
register_action("notify", notify, _l("Notify the team"))

# The AI assistant's "AI reply" action registers itself in the same registry.
from app.services import assistant_action  # noqa: E402, F401
