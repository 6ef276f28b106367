"""Inbox pages: the thread list, a thread, and the actions on comments and messages."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import InboxAction, InboxComment, InboxThread, MediaKind, MediaState, Role
from app.services import inbox_actions as actions
from app.services import inbox_queries as queries
from app.services import media as media_service
from app.services.automations.contacts import list_tags
from app.services.instagram import make_client, usage_recorder
from app.web.admin.forms import EmptyForm
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.inbox import bp
from app.web.inbox.forms import CommentReplyForm, MessageForm, PrivateReplyForm
from app.web.inbox.messages import ACTION_NAMES, failure_text, rule_text

PAGE_SIZE = 25


@bp.app_context_processor
def _nav_count():
    def inbox_unread() -> int:
        ws = g.get("workspace")
        return queries.unread_threads(db.session, ws.id) if ws is not None else 0

    return {"inbox_unread": inbox_unread}


def _settings():
    return current_app.config["SETTINGS"]


def _client():
    return make_client(_settings(), on_usage=usage_recorder(db.session))


def _filters() -> queries.ThreadFilter:
    args = request.args
    account = args.get("account", "")
    tag = args.get("tag", "")
    return queries.ThreadFilter(
        account_id=int(account) if account.isdigit() and len(account) < 18 else None,
        kind=args.get("kind") if args.get("kind") in queries.KINDS else None,
        status=args.get("status") if args.get("status") in queries.STATUSES else None,
        unread=args.get("unread") == "1",
        q=args.get("q", "")[:100],
        tag_id=int(tag) if tag.isdigit() and len(tag) < 18 else None,
    )


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.route("/")
@login_required
def index():
    ws = current_workspace_id()
    f = _filters()
    threads, nxt = queries.list_threads(db.session, ws, f, request.args.get("after"), PAGE_SIZE)
    ctx = {
        "threads": threads,
        "next_cursor": nxt,
        "filters": f,
        "accounts": queries.accounts_of(db.session, ws),
        "tags": list_tags(db.session, ws) if not _is_htmx() else [],
        "media": queries.media_of(db.session, threads),
        "poll": _settings().INBOX_POLL_SECONDS,
    }
    if _is_htmx():
        return render_template("inbox/_list.html", **ctx)
    return render_template("inbox/index.html", **ctx)


def _thread_context(thread: InboxThread) -> dict:
    settings = _settings()
    ctx = {
        "thread": thread,
        "account": queries.accounts_of(db.session, thread.workspace_id).get(thread.account_id),
        "failures": queries.failures_of(db.session, thread),
        "failure_text": failure_text,
        "action_names": ACTION_NAMES,
        "form": EmptyForm(),
        "poll": settings.INBOX_POLL_SECONDS,
        "can_act": g.membership is not None and g.membership.allows(Role.EDITOR),
    }
    if thread.kind == "comment":
        ctx["comments"] = queries.comments_of(db.session, thread)
        ctx["post"] = queries.media_of(db.session, [thread]).get(
            (thread.account_id, thread.ig_media_id)
        )
        ctx["private_state"] = actions.private_reply_state
    else:
        ctx["messages"] = queries.messages_of(db.session, thread)
        ctx["window"] = actions.dm_window(thread, settings)
    return ctx


@bp.route("/threads/<int:thread_id>")
@login_required
def thread(thread_id: int):
    thread = get_or_404(InboxThread, thread_id)
    if thread.unread_count:
        queries.mark_read(thread)
        db.session.commit()
    ctx = _thread_context(thread)
    if _is_htmx():
        return render_template("inbox/_items.html", **ctx)
    ctx["reply_form"] = CommentReplyForm()
    ctx["message_form"] = _message_form()
    return render_template("inbox/thread.html", **ctx)


def _message_form(formdata=None) -> MessageForm:
    form = MessageForm(formdata=formdata) if formdata is not None else MessageForm()
    images = [
        m
        for m in media_service.list_media(db.session, current_workspace_id(), limit=50)
        if m.kind == MediaKind.IMAGE.value and m.state == MediaState.READY.value
    ]
    form.media_item_id.choices = [("", _("No image"))] + [
        (str(m.id), m.original_name or f"#{m.id}") for m in images
    ]
    return form


def _back(thread: InboxThread):
    return redirect(url_for("inbox.thread", thread_id=thread.id))


def _run(thread: InboxThread, func, *args, success: str, **kwargs):
    """Call an action; flash what happened; commit either way (a failure is stored)."""
    try:
        func(db.session, _settings(), _client(), *args, user=current_user, **kwargs)
    except actions.InboxRuleError as e:
        db.session.rollback()
        flash(rule_text(e.code), "warning")
        return _back(thread)
    except actions.InboxSendError as e:
        db.session.commit()
        flash(
            _(
                "Instagram refused it: %(reason)s",
                reason=failure_text(e.action.error_key, e.action.error_kind),
            ),
            "danger",
        )
        return _back(thread)
    db.session.commit()
    flash(success, "success")
    return _back(thread)


def _comment(comment_id: int) -> tuple[InboxComment, InboxThread]:
    comment = get_or_404(InboxComment, comment_id)
    return comment, get_or_404(InboxThread, comment.thread_id)


@bp.post("/threads/<int:thread_id>/status")
@login_required
@require_role(Role.EDITOR)
def set_status(thread_id: int):
    thread = get_or_404(InboxThread, thread_id)
    if EmptyForm().validate_on_submit():
        queries.set_status(thread, request.form.get("status", ""))
        db.session.commit()
    return _back(thread)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
@require_role(Role.EDITOR)
def reply(comment_id: int):
    comment, thread = _comment(comment_id)
    form = CommentReplyForm()
    if not form.validate_on_submit():
        flash(
            rule_text("text_empty") if not form.text.data else rule_text("text_too_long"), "warning"
        )
        return _back(thread)
    return _run(thread, actions.reply_to_comment, comment, form.text.data, success=_("Reply sent."))


@bp.post("/comments/<int:comment_id>/hide")
@login_required
@require_role(Role.EDITOR)
def hide(comment_id: int):
    comment, thread = _comment(comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    hidden = request.form.get("hidden") == "1"
    return _run(
        thread,
        actions.set_hidden,
        comment,
        hidden,
        success=_("Comment hidden.") if hidden else _("Comment shown again."),
    )


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def delete(comment_id: int):
    comment, thread = _comment(comment_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        return _run(thread, actions.delete_comment, comment, success=_("Comment deleted."))
    return render_template("inbox/delete.html", comment=comment, thread=thread, form=form)


@bp.route("/comments/<int:comment_id>/private-reply", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def private_reply(comment_id: int):
    comment, thread = _comment(comment_id)
    form = PrivateReplyForm()
    if form.validate_on_submit():
        return _run(
            thread, actions.private_reply, comment, form.text.data, success=_("Private reply sent.")
        )
    state = actions.private_reply_state(comment)
    return render_template(
        "inbox/private_reply.html",
        comment=comment,
        thread=thread,
        form=form,
        state=state,
        deadline=comment.created_at + actions.PRIVATE_REPLY_WINDOW,
        reason=rule_text(f"private_reply_{state}") if state != "available" else None,
    )


@bp.post("/threads/<int:thread_id>/messages")
@login_required
@require_role(Role.EDITOR)
def send(thread_id: int):
    thread = get_or_404(InboxThread, thread_id)
    if thread.kind != "dm":
        abort(404)
    form = _message_form(request.form)
    if not form.validate_on_submit():
        flash(rule_text("text_too_long"), "warning")
        return _back(thread)
    image_url = None
    if form.media_item_id.data:
        item = media_service.get_media(db.session, current_workspace_id(), form.media_item_id.data)
        if item is None or item.kind != MediaKind.IMAGE.value:
            abort(404)
        image_url = media_service.public_url(_settings(), item)
    return _run(
        thread,
        actions.send_message,
        thread,
        form.text.data or "",
        image_url=image_url,
        success=_("Message sent."),
    )


@bp.post("/actions/<int:action_id>/retry")
@login_required
@require_role(Role.EDITOR)
def retry(action_id: int):
    action = get_or_404(InboxAction, action_id)
    thread = get_or_404(InboxThread, action.thread_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _run(thread, actions.retry, action, success=_("Sent."))


@bp.post("/actions/<int:action_id>/dismiss")
@login_required
@require_role(Role.EDITOR)
def dismiss(action_id: int):
    action = get_or_404(InboxAction, action_id)
    thread = get_or_404(InboxThread, action.thread_id)
    if EmptyForm().validate_on_submit():
        db.session.delete(action)
        db.session.commit()
    return _back(thread)
