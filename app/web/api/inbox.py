"""/api/v1/threads, /comments, /conversations: the inbox, with the dashboard's rules."""

from __future__ import annotations

from typing import Literal

from flask import current_app, g
from flask_babel import gettext as _
from pydantic import Field

from app.extensions import db
from app.models import InboxComment, InboxMessage, InboxThread, Role
from app.services import inbox_actions as actions
from app.services import inbox_queries as queries
from app.services.instagram import make_client, usage_recorder
from app.web.api import bp
from app.web.api.errors import ApiError, field_error
from app.web.api.rows import scoped_or_404
from app.web.api.schemas import DEFAULT_LIMIT, MAX_LIMIT, Schema, Timestamp, optional
from app.web.api.spec import endpoint
from app.web.inbox.messages import failure_text, rule_text

CURSOR_PATTERN = queries.CURSOR_RE.pattern


class ThreadQuery(Schema):
    """Filters as in the inbox; `next` is the cursor of the previous page."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    next: str = optional("Cursor from the previous page's `next`.", pattern=CURSOR_PATTERN)
    account_id: str = optional("Only this account's threads.", pattern=r"^[0-9]{1,18}$")
    kind: Literal["comment", "dm"] = optional("`comment` threads or `dm` conversations.")
    status: Literal["open", "done"] = optional("Open or done threads.")
    unread: bool = optional("Only threads with unread items.")
    q: str = optional("Text searched in usernames, comments and messages.", max_length=100)
    tag: str = optional(
        "Only threads whose person (the DM's customer, the commenter) is a contact with this"
        " tag (its name).",
        min_length=1,
        max_length=64,
    )


class ThreadOut(Schema):
    id: str
    account_id: str
    kind: Literal["comment", "dm"]
    status: Literal["open", "done"]
    unread_count: int
    last_activity_at: Timestamp
    preview: str
    customer_id: str | None = Field(description="The customer's Instagram-scoped id.")
    customer_username: str | None
    media_id: str | None = Field(description="Comment threads: the Instagram media id.")
    window_closes_at: Timestamp | None = Field(
        description="DMs: until when a reply may be sent; null if never opened."
    )


class ThreadPage(Schema):
    items: list[ThreadOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class CommentOut(Schema):
    id: str
    ig_comment_id: str
    parent_ig_id: str | None
    username: str | None
    text: str | None
    is_own: bool
    hidden: bool
    deleted: bool
    private_reply_sent: bool
    created_at: Timestamp


class MessageOut(Schema):
    id: str
    mid: str
    outgoing: bool
    kind: str
    text: str | None
    attachments: list[dict] = Field(description="`{type, url}` per attachment.")
    story_mention: bool
    story_reply: bool
    reactions: dict[str, str]
    edited: bool
    deleted: bool
    sent_at: Timestamp


class FailureOut(Schema):
    id: str
    kind: str
    text: str | None
    error_code: str
    message: str


class ThreadDetail(ThreadOut):
    comments: list[CommentOut] | None
    messages: list[MessageOut] | None
    failures: list[FailureOut]


class TextIn(Schema):
    """`text` is required; it is checked after the comment or conversation is found."""

    text: str = optional(
        "Required. The text (DMs: at most 1000 bytes of UTF-8; comments: 2200 characters).",
        min_length=1,
        max_length=2200,
        pattern=r"\S",
    )


class HiddenIn(Schema):
    """`hidden` is required; it is checked after the comment is found."""

    hidden: bool = optional("Required. true hides the comment, false shows it again.")


def _required(value, field: str):
    """A missing required body field is a 422, once the row is known to exist (else 404)."""
    if value is None:
        raise ApiError(422, fields=[field_error(field, "missing")])
    return value


def thread_out(t: InboxThread, model=ThreadOut, **extra):
    """The API view of a thread."""
    window = actions.dm_window(t, current_app.config["SETTINGS"]) if t.kind == "dm" else None
    return model(
        id=str(t.id),
        account_id=str(t.account_id),
        kind=t.kind,
        status=t.status,
        unread_count=t.unread_count,
        last_activity_at=t.last_activity_at,
        preview=t.preview,
        customer_id=t.customer_id,
        customer_username=t.customer_username,
        media_id=t.ig_media_id,
        window_closes_at=window.closes_at if window else None,
        **extra,
    )


def comment_out(c: InboxComment) -> CommentOut:
    return CommentOut(
        id=str(c.id),
        ig_comment_id=c.ig_comment_id,
        parent_ig_id=c.parent_ig_id,
        username=c.username,
        text=c.text,
        is_own=c.is_own,
        hidden=c.hidden,
        deleted=c.deleted_at is not None,
        private_reply_sent=c.private_replied_at is not None,
        created_at=c.created_at,
    )


def message_out(m: InboxMessage) -> MessageOut:
    return MessageOut(
        id=str(m.id),
        mid=m.mid,
        outgoing=m.outgoing,
        kind=m.kind,
        text=m.text,
        attachments=list(m.attachments or []),
        story_mention=m.story_mention,
        story_reply=m.story_reply_url is not None,
        reactions=dict(m.reactions or {}),
        edited=bool(m.num_edit),
        deleted=m.deleted,
        sent_at=m.sent_at,
    )


def _act(func, *args, **kwargs):
    """Run an inbox action; rule breaks are 409, Instagram refusals 502 (stored for retry)."""
    settings = current_app.config["SETTINGS"]
    client = make_client(settings, on_usage=usage_recorder(db.session))
    try:
        result = func(db.session, settings, client, *args, user=g.api_user, **kwargs)
    except actions.InboxRuleError as e:
        db.session.rollback()
        if e.code.startswith("text_"):
            field = {"field": "text", "code": e.code, "message": rule_text(e.code)}
            raise ApiError(422, fields=[field]) from None
        raise ApiError(409, e.code, rule_text(e.code)) from None
    except actions.InboxSendError as e:
        db.session.commit()
        raise ApiError(
            502,
            "instagram_refused",
            _(
                "Instagram refused it: %(reason)s",
                reason=failure_text(e.action.error_key, e.action.error_kind),
            ),
        ) from None
    db.session.commit()
    return result


@bp.get("/threads")
@endpoint(resp=ThreadPage, query=ThreadQuery, tags=("inbox",))
def list_inbox_threads(query: ThreadQuery):
    """Comment threads and DM conversations, newest activity first."""
    f = queries.ThreadFilter(
        account_id=int(query.account_id) if query.account_id else None,
        kind=query.kind,
        status=query.status,
        unread=bool(query.unread),
        q=query.q or "",
        tag=query.tag or "",
    )
    rows, nxt = queries.list_threads(db.session, g.workspace.id, f, query.next, query.limit)
    return ThreadPage(items=[thread_out(t) for t in rows], next=nxt)


@bp.get("/threads/<thread_id>")
@endpoint(resp=ThreadDetail, tags=("inbox",))
def get_inbox_thread(thread_id: str):
    """One thread with its comments or messages and any refused actions."""
    t = scoped_or_404(InboxThread, thread_id)
    is_comment = t.kind == "comment"
    failures = [
        FailureOut(
            id=str(a.id),
            kind=a.kind,
            text=a.text,
            error_code=a.error_key,
            message=failure_text(a.error_key, a.error_kind),
        )
        for a in queries.failures_of(db.session, t)
    ]
    comments = [comment_out(c) for c in queries.comments_of(db.session, t)] if is_comment else None
    messages = None if is_comment else [message_out(m) for m in queries.messages_of(db.session, t)]
    return thread_out(t, ThreadDetail, comments=comments, messages=messages, failures=failures)


@bp.post("/comments/<comment_id>/replies")
@endpoint(
    status=201,
    resp=CommentOut,
    json=TextIn,
    role=Role.EDITOR,
    tags=("inbox",),
    extra_errors=(409, 502),
)
def reply_to_inbox_comment(comment_id: str, json: TextIn):
    """Reply publicly as the account (sent to Instagram first)."""
    comment = scoped_or_404(InboxComment, comment_id)
    text = _required(json.text, "text")
    return comment_out(_act(actions.reply_to_comment, comment, text)), 201


@bp.post("/comments/<comment_id>/hide")
@endpoint(
    resp=CommentOut, json=HiddenIn, role=Role.EDITOR, tags=("inbox",), extra_errors=(409, 502)
)
def hide_inbox_comment(comment_id: str, json: HiddenIn):
    """Hide or unhide a comment."""
    comment = scoped_or_404(InboxComment, comment_id)
    _act(actions.set_hidden, comment, _required(json.hidden, "hidden"))
    return comment_out(comment)


@bp.delete("/comments/<comment_id>")
@endpoint(status=204, role=Role.EDITOR, tags=("inbox",), extra_errors=(409, 502))
def delete_inbox_comment(comment_id: str):
    """Delete a comment on Instagram (kept here marked deleted)."""
    comment = scoped_or_404(InboxComment, comment_id)
    _act(actions.delete_comment, comment)
    return "", 204


@bp.post("/comments/<comment_id>/private-reply")
@endpoint(
    status=201,
    resp=MessageOut,
    json=TextIn,
    role=Role.EDITOR,
    tags=("inbox",),
    extra_errors=(409, 502),
)
def private_reply_to_inbox_comment(comment_id: str, json: TextIn):
    """Send the one private DM allowed per comment, within 7 days of it."""
    comment = scoped_or_404(InboxComment, comment_id)
    text = _required(json.text, "text")
    return message_out(_act(actions.private_reply, comment, text)), 201


@bp.post("/conversations/<thread_id>/messages")
@endpoint(
    status=201,
    resp=MessageOut,
    json=TextIn,
    role=Role.EDITOR,
    tags=("inbox",),
    extra_errors=(409, 502),
)
def send_inbox_message(thread_id: str, json: TextIn):
    """Reply in a DM conversation within the 24-hour window."""
    t = scoped_or_404(InboxThread, thread_id)
    if t.kind != "dm":
        raise ApiError(404)
    return message_out(_act(actions.send_message, t, _required(json.text, "text"))), 201
