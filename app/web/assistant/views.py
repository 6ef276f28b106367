"""Assistant pages: accounts, one account's settings and knowledge, drafts, hand-back."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from app.extensions import db
from app.models import AssistantThread, InboxThread, InstagramAccount, KnowledgeItem, Role, utcnow
from app.services import assistant
from app.services import assistant_admin as admin
from app.services.assistant_client import is_configured
from app.services.workspaces import scoped
from app.web.admin.forms import EmptyForm
from app.web.assistant import bp
from app.web.assistant.forms import KnowledgeForm, SettingsForm
from app.web.assistant.messages import error_text, input_text, reason_text
from app.web.context import current_workspace_id, get_or_404, require_role


def _settings():
    return current_app.config["SETTINGS"]


@bp.app_context_processor
def _thread_helpers():
    def assistant_state(thread) -> AssistantThread | None:
        return db.session.scalar(
            select(AssistantThread).where(AssistantThread.thread_id == thread.id)
        )

    return {"assistant_state": assistant_state, "assistant_reason": reason_text}


def _can(role: Role) -> bool:
    return g.membership is not None and g.membership.allows(role)


@bp.route("/")
@login_required
def index():
    ws = current_workspace_id()
    accounts = db.session.scalars(scoped(InstagramAccount, ws).order_by(InstagramAccount.id)).all()
    rows = [(a, assistant.prefs_for(db.session, a)) for a in accounts]
    return render_template("assistant/index.html", rows=rows, configured=is_configured(_settings()))


def _fill(form: SettingsForm, prefs) -> None:
    for name in admin.TEXT_LIMITS:
        getattr(form, name).data = getattr(prefs, name)
    for name in admin.BOOL_FIELDS:
        getattr(form, name).data = getattr(prefs, name)
    langs = prefs.languages.split(",")
    form.ru.data, form.kk.data, form.en.data = "ru" in langs, "kk" in langs, "en" in langs
    form.default_language.data = prefs.default_language
    form.daily_cap.data = prefs.daily_cap


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@login_required
def account(account_id: int):
    acc = get_or_404(InstagramAccount, account_id)
    prefs = assistant.prefs_for(db.session, acc)
    form = SettingsForm()
    error = None
    if form.is_submitted():
        if not _can(Role.OWNER):
            abort(403)
        if form.validate():
            data = {name: getattr(form, name).data or "" for name in admin.TEXT_LIMITS}
            data.update({name: bool(getattr(form, name).data) for name in admin.BOOL_FIELDS})
            data["languages"] = [c for c in ("ru", "kk", "en") if getattr(form, c).data]
            data["default_language"] = form.default_language.data
            data["daily_cap"] = form.daily_cap.data if form.daily_cap.data is not None else 200
            try:
                admin.save_settings(db.session, acc, data)
            except admin.AssistantInputError as e:
                db.session.rollback()
                error = input_text(e.code)
            else:
                db.session.commit()
                flash(_("The assistant settings were saved."), "success")
                return redirect(url_for("assistant.account", account_id=acc.id))
        else:
            error = _("Check the highlighted fields.")
    else:
        _fill(form, prefs)
    now = utcnow()
    return render_template(
        "assistant/account.html",
        account=acc,
        prefs=prefs,
        form=form,
        error=error,
        knowledge=assistant.knowledge_of(db.session, acc.id),
        knowledge_form=KnowledgeForm(formdata=None),
        delete_form=EmptyForm(),
        usage=assistant.usage_since(db.session, acc.id, assistant.day_start(now)),
        configured=is_configured(_settings()),
        model=_settings().AI_MODEL,
        can_own=_can(Role.OWNER),
        can_edit=_can(Role.EDITOR),
        error_text=error_text,
    )


@bp.post("/accounts/<int:account_id>/knowledge")
@login_required
@require_role(Role.EDITOR)
def knowledge_add(account_id: int):
    acc = get_or_404(InstagramAccount, account_id)
    form = KnowledgeForm()
    if not form.validate_on_submit():
        flash(_("Check the highlighted fields."), "warning")
        return redirect(url_for("assistant.account", account_id=acc.id))
    try:
        admin.add_knowledge(db.session, acc, form.kind.data, form.title.data, form.body.data)
    except admin.AssistantInputError as e:
        db.session.rollback()
        flash(input_text(e.code), "warning")
    else:
        db.session.commit()
        flash(_("The entry was added."), "success")
    return redirect(url_for("assistant.account", account_id=acc.id))


@bp.route("/knowledge/<int:item_id>", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def knowledge_edit(item_id: int):
    item = get_or_404(KnowledgeItem, item_id)
    form = KnowledgeForm(obj=item)
    error = None
    if form.validate_on_submit():
        try:
            admin.update_knowledge(
                db.session,
                item,
                {"kind": form.kind.data, "title": form.title.data, "body": form.body.data},
            )
        except admin.AssistantInputError as e:
            db.session.rollback()
            error = input_text(e.code)
        else:
            db.session.commit()
            flash(_("The entry was saved."), "success")
            return redirect(url_for("assistant.account", account_id=item.account_id))
    return render_template("assistant/knowledge.html", item=item, form=form, error=error)


@bp.post("/knowledge/<int:item_id>/delete")
@login_required
@require_role(Role.EDITOR)
def knowledge_delete(item_id: int):
    item = get_or_404(KnowledgeItem, item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    account_id = item.account_id
    db.session.delete(item)
    db.session.commit()
    flash(_("The entry was deleted."), "success")
    return redirect(url_for("assistant.account", account_id=account_id))


@bp.post("/threads/<int:thread_id>/suggest")
@login_required
@require_role(Role.EDITOR)
def suggest(thread_id: int):
    """htmx: a draft for the thread's reply box (the owner edits and sends it)."""
    thread = get_or_404(InboxThread, thread_id)
    target = "message-text" if thread.kind == "dm" else "reply-text"
    try:
        result = assistant.generate(db.session, _settings(), thread, purpose="draft")
    except assistant.AssistantError as e:
        db.session.commit()  # the failed call stays in the log
        return render_template("assistant/_draft.html", error=error_text(e.code), target=target)
    db.session.commit()
    return render_template(
        "assistant/_draft.html",
        result=result,
        reason=reason_text(result.reason) if result.status != "answer" else None,
        target=target,
    )


@bp.post("/threads/<int:thread_id>/give-back")
@login_required
@require_role(Role.EDITOR)
def give_back(thread_id: int):
    thread = get_or_404(InboxThread, thread_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    assistant.give_back(assistant.thread_state(db.session, thread))
    db.session.commit()
    flash(_("The assistant may answer this conversation again."), "success")
    return redirect(url_for("inbox.thread", thread_id=thread.id))
