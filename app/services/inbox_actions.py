"""Inbox actions: sent to Instagram first, stored as done only when Instagram accepted them."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.instagram import ErrorKind, InstagramClient, InstagramError
from app.models import (
    InboxAction,
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    ThreadKind,
    utcnow,
)
from app.services.accounts import handle_error
from app.services.crypto import TokenCryptoError
from app.services.inbox import get_or_create, thread_for, touch
from app.services.inbox_rules import (  # noqa: F401 - re-exported for the views and API
    PRIVATE_REPLY_WINDOW,
    InboxRuleError,
    Window,
    check_text,
    dm_window,
    private_reply_state,
)
from app.services.instagram import read_token

log = logging.getLogger(__name__)

# Graph subcodes the Send API answers for its own rules (messaging window, one reply).
SUBCODE_KEYS = {2534022: "window_closed", 2534023: "private_reply_used"}


class InboxSendError(Exception):
    """Instagram refused the action; `action` is the stored failure with its retry."""

    def __init__(self, action: InboxAction, error: InstagramError):
        super().__init__(action.error_key)
        self.action = action
        self.error = error


def _token(settings, session, account: InstagramAccount) -> str:
    if account.needs_reconnect:
        raise InboxRuleError("account_reconnect")
    try:
        return read_token(settings, account)
    except TokenCryptoError:
        raise InboxRuleError("account_reconnect") from None


def _failed(session, thread, kind, error, *, user, comment=None, text=None, action=None):
    """Store (or update, on a retry) the failure shown next to its target."""
    handle_error(session, session.get(InstagramAccount, thread.account_id), error)
    if action is None:
        action = InboxAction(
            workspace_id=thread.workspace_id,
            thread_id=thread.id,
            kind=kind,
            text=text,
            comment_id=comment.id if comment is not None else None,
        )
        session.add(action)
    action.error_key = SUBCODE_KEYS.get(error.error_subcode or 0, error.message_key)[:64]
    action.error_kind = error.kind.value
    action.user_id = getattr(user, "id", None)
    action.created_at = utcnow()
    session.flush()
    log.warning("inbox action refused", extra={"kind": kind, "err": repr(error)})
    return InboxSendError(action, error)


def _done(session, action: InboxAction | None) -> None:
    if action is not None:
        session.delete(action)
        session.flush()


def reply_to_comment(
    session,
    settings,
    client: InstagramClient,
    comment: InboxComment,
    text: str,
    *,
    user=None,
    action=None,
) -> InboxComment:
    """Reply publicly as the account; the reply is stored once Instagram gave its id."""
    text = check_text(text, dm=False)
    thread = session.get(InboxThread, comment.thread_id)
    account = session.get(InstagramAccount, comment.account_id)
    if comment.deleted_at is not None:
        raise InboxRuleError("comment_deleted")
    try:
        new_id = client.reply_to_comment(
            _token(settings, session, account), comment.ig_comment_id, message=text
        )
    except InstagramError as e:
        raise _failed(
            session, thread, "reply", e, user=user, comment=comment, text=text, action=action
        ) from e
    now = utcnow()
    reply, _ = get_or_create(
        session,
        InboxComment,
        {"account_id": account.id, "ig_comment_id": new_id},
        {"workspace_id": account.workspace_id, "thread_id": thread.id},
    )
    reply.received = True
    reply.parent_ig_id = thread.thread_key
    reply.ig_media_id = thread.ig_media_id
    reply.from_id = account.ig_user_id
    reply.username = account.username
    reply.text = text
    reply.is_own = True
    reply.created_at = now
    reply.sent_by_id = getattr(user, "id", None)
    touch(thread, now, text, unread=False)
    thread.unread_count = 0
    _done(session, action)
    return reply


def set_hidden(
    session,
    settings,
    client: InstagramClient,
    comment: InboxComment,
    hidden: bool,
    *,
    user=None,
    action=None,
) -> None:
    """Hide or unhide a comment on Instagram, then here."""
    thread = session.get(InboxThread, comment.thread_id)
    account = session.get(InstagramAccount, comment.account_id)
    if comment.deleted_at is not None:
        raise InboxRuleError("comment_deleted")
    if comment.is_own:
        raise InboxRuleError("own_comment_hide")
    try:
        client.set_comment_hidden(
            _token(settings, session, account), comment.ig_comment_id, hidden=hidden
        )
    except InstagramError as e:
        raise _failed(
            session,
            thread,
            "hide" if hidden else "unhide",
            e,
            user=user,
            comment=comment,
            action=action,
        ) from e
    comment.hidden = hidden
    _done(session, action)


def delete_comment(
    session, settings, client: InstagramClient, comment: InboxComment, *, user=None, action=None
) -> None:
    """Delete a comment (and, on Instagram, its replies); kept here marked deleted."""
    thread = session.get(InboxThread, comment.thread_id)
    account = session.get(InstagramAccount, comment.account_id)
    if comment.deleted_at is not None:
        return
    try:
        client.delete_comment(_token(settings, session, account), comment.ig_comment_id)
    except InstagramError as e:
        if e.kind is not ErrorKind.BAD_INPUT or e.code != 100:
            raise _failed(
                session, thread, "delete", e, user=user, comment=comment, action=action
            ) from e
        # Already gone on Instagram: deleting it here is what the user wanted.
    now = utcnow()
    comment.deleted_at = now
    if comment.parent_ig_id is None:
        for reply in session.scalars(select(InboxComment).filter_by(thread_id=thread.id)):
            reply.deleted_at = reply.deleted_at or now
    _done(session, action)


def private_reply(
    session,
    settings,
    client: InstagramClient,
    comment: InboxComment,
    text: str,
    *,
    user=None,
    action=None,
) -> InboxMessage:
    """Send the one DM Instagram allows to a commenter within 7 days of the comment."""
    text = check_text(text, dm=True)
    state = private_reply_state(comment)
    if state != "available":
        raise InboxRuleError(f"private_reply_{state}")
    thread = session.get(InboxThread, comment.thread_id)
    account = session.get(InstagramAccount, comment.account_id)
    try:
        result = client.send_private_reply(
            _token(settings, session, account), comment_id=comment.ig_comment_id, text=text
        )
    except InstagramError as e:
        raise _failed(
            session,
            thread,
            "private_reply",
            e,
            user=user,
            comment=comment,
            text=text,
            action=action,
        ) from e
    now = utcnow()
    comment.private_replied_at = now
    comment.private_reply_mid = result.message_id
    customer = result.recipient_id or comment.from_id or ""
    dm = thread_for(session, account, ThreadKind.DM, customer, now)
    dm.customer_id = customer
    dm.customer_username = dm.customer_username or comment.username
    msg = _store_sent(session, account, dm, result.message_id, text, user, now)
    _done(session, action)
    return msg


def send_message(
    session,
    settings,
    client: InstagramClient,
    thread: InboxThread,
    text: str,
    *,
    user=None,
    image_url: str | None = None,
    action=None,
    quick_replies: list[dict] | None = None,
) -> InboxMessage:
    """Reply in a conversation inside the messaging window (text, or an image by URL)."""
    text = check_text(text, dm=True) if text or not image_url else ""
    window = dm_window(thread, settings)
    if not window.open:
        raise InboxRuleError("window_closed")
    account = session.get(InstagramAccount, thread.account_id)
    token = _token(settings, session, account)
    msg = None
    try:
        if image_url:
            result = client.send_attachment(token, recipient_id=thread.thread_key, url=image_url)
            msg = _store_sent(session, account, thread, result.message_id, None, user, utcnow())
            msg.attachments = [{"type": "image", "url": image_url}]
        if text:
            result = client.send_text(
                token,
                recipient_id=thread.thread_key,
                text=text,
                human_agent=window.human_agent,
                quick_replies=quick_replies,
            )
            msg = _store_sent(session, account, thread, result.message_id, text, user, utcnow())
    except InstagramError as e:
        raise _failed(
            session, thread, "message", e, user=user, text=text or None, action=action
        ) from e
    _done(session, action)
    return msg


def _store_sent(session, account, thread, mid, text, user, now) -> InboxMessage:
    """Store a sent DM by its mid (its echo may have been processed first)."""
    msg, _ = get_or_create(
        session,
        InboxMessage,
        {"account_id": account.id, "mid": mid},
        {
            "workspace_id": account.workspace_id,
            "thread_id": thread.id,
            "sent_at": now,
            "received": False,
        },
    )
    if not msg.received:
        msg.received = True
        msg.outgoing = True
        msg.text = text
        msg.sent_at = now
    msg.sent_by_id = getattr(user, "id", None)
    touch(thread, now, text, unread=False)
    thread.unread_count = 0
    return msg


def retry(session, settings, client: InstagramClient, action: InboxAction, *, user=None):
    """Send a failed action again; on success its failure row disappears."""
    thread = session.get(InboxThread, action.thread_id)
    comment = session.get(InboxComment, action.comment_id) if action.comment_id else None
    kw = {"user": user, "action": action}
    if action.kind == "message":
        return send_message(session, settings, client, thread, action.text or "", **kw)
    if comment is None:
        _done(session, action)
        return None
    if action.kind == "reply":
        return reply_to_comment(session, settings, client, comment, action.text or "", **kw)
    if action.kind in ("hide", "unhide"):
        return set_hidden(session, settings, client, comment, action.kind == "hide", **kw)
    if action.kind == "delete":
        return delete_comment(session, settings, client, comment, **kw)
    if action.kind == "private_reply":
        return private_reply(session, settings, client, comment, action.text or "", **kw)
    _done(session, action)
    return None
