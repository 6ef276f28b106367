"""The composer: one composition to one or more accounts, now, scheduled, or as a draft."""

from __future__ import annotations

from datetime import date, time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.extensions import db
from app.models import InstagramAccount, MediaItem, MediaKind, MediaState, Role
from app.services.accounts import list_accounts
from app.services.posts import (
    PostError,
    create_posts,
    duplicate_warnings,
    quota_for,
    validate_caption,
)
from app.services.snippets import list_snippets
from app.services.workspaces import scoped
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.post_messages import post_error_text
from app.web.publishing import bp
from app.web.publishing.forms import ComposeForm, split_collaborators
from app.web.publishing.helpers import caption_counts, media_url, to_utc, workspace_tz
from app.web.publishing.messages import DUPLICATE_TEXTS, post_error_hint, refused_text

LIBRARY_LIMIT = 200


def _ints(values) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return list(dict.fromkeys(out))


def library(workspace_id: int) -> list[MediaItem]:
    """Ready media of the workspace, newest first."""
    return list(
        db.session.scalars(
            scoped(MediaItem, workspace_id)
            .where(MediaItem.state == MediaState.READY.value)
            .order_by(MediaItem.id.desc())
            .limit(LIBRARY_LIMIT)
        )
    )


def scheduled_from(form) -> tuple[object, dict]:
    """The UTC time chosen in a form with `when`/`day`/`at`, or errors by field."""
    if getattr(form, "when", None) is not None and form.when.data != "schedule":
        return None, {}
    if not form.day.data or not form.at.data:
        return None, {"day": _("Choose the date and the time.")}
    when = to_utc(
        date.fromisoformat(form.day.data.strip()),
        time.fromisoformat(form.at.data.strip()),
        workspace_tz(),
    )
    return when, {}


@bp.route("/compose", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def compose():
    ws_id = current_workspace_id()
    settings = current_app.config["SETTINGS"]
    accounts = list_accounts(db.session, ws_id)
    items = library(ws_id)
    by_id = {m.id: m for m in items}
    form = ComposeForm()
    form.cover_media_id.choices = [("", _("A frame of the video"))] + [
        (str(m.id), m.original_name or f"#{m.id}") for m in items if m.kind == MediaKind.IMAGE.value
    ]
    if request.method == "GET":
        form.day.data = request.args.get("day", "")
        form.type.data = request.args.get("type", "image")
    chosen_accounts = _ints(request.form.getlist("account_ids"))
    chosen_media = _ints(request.form.getlist("media_ids"))
    alt_texts = [(request.form.get(f"alt_{m}") or "").strip()[:1000] or None for m in chosen_media]
    ctx = {"errors": {}, "duplicates": [], "hint": ""}
    if form.validate_on_submit():
        result = _submit(form, settings, ws_id, chosen_accounts, chosen_media, alt_texts, ctx)
        if result is not None:
            return result
    elif request.method == "POST" and not ctx["errors"]:
        ctx["errors"]["general"] = _("Check the highlighted fields.")
    return render_template(
        "publishing/compose.html",
        form=form,
        accounts=accounts,
        library=items,
        selected=[by_id[m] for m in chosen_media if m in by_id],
        alt_texts=dict(zip(chosen_media, alt_texts, strict=False)),
        chosen_accounts=set(chosen_accounts),
        snippets=list_snippets(db.session, ws_id),
        media_url=media_url,
        counts=caption_counts(form.caption.data),
        **ctx,
    )


def _submit(form, settings, ws_id, account_ids, media_ids, alt_texts, ctx):
    errors = ctx["errors"]
    scheduled_at, errors_when = scheduled_from(form)
    errors.update(errors_when)
    problems = validate_caption(form.caption.data or "")
    if problems and form.type.data != "story":
        errors["caption"] = " ".join(post_error_text(p) for p in problems)
    if errors:
        return None
    draft = form.when.data == "draft"
    caption = (form.caption.data or "").strip()
    if not draft and not form.confirm_duplicates.data:
        names = {
            a.id: a.username
            for a in db.session.scalars(
                scoped(InstagramAccount, ws_id).where(InstagramAccount.id.in_(account_ids))
            )
        }
        for account_id in account_ids:
            if account_id not in names:
                continue
            for w in duplicate_warnings(db.session, account_id, media_ids, caption):
                text = DUPLICATE_TEXTS.get(w["kind"])
                if text is not None:
                    ctx["duplicates"].append(
                        str(text) % {"account": names[account_id], "post": w["post_id"]}
                    )
        if ctx["duplicates"]:
            return None
    reel = form.type.data == "reel"
    offset = form.thumb_offset.data
    offset_ms = int(float(offset.replace(",", ".")) * 1000) if reel and offset else None
    cover = form.cover_media_id.data if reel else ""
    try:
        posts = create_posts(
            db.session,
            settings,
            workspace_id=ws_id,
            user=current_user,
            account_ids=account_ids,
            type=form.type.data,
            media_ids=media_ids,
            caption=caption,
            first_comment=(form.first_comment.data or "").strip() or None,
            scheduled_at=scheduled_at,
            draft=draft,
            collaborators=split_collaborators(form.collaborators.data),
            share_to_feed=bool(form.share_to_feed.data) if reel else True,
            thumb_offset_ms=offset_ms,
            cover_media_id=int(cover) if cover and cover.isdigit() else None,
            alt_texts=alt_texts,
        )
    except PostError as e:
        db.session.rollback()
        errors[e.field or "general"] = refused_text(e.code)
        ctx["hint"] = post_error_hint(e.code)
        return None
    if "automations" in current_app.blueprints:  # comment rules chosen for these posts
        from app.services.automations.definitions import attach_posts

        attach_posts(db.session, ws_id, _ints(request.form.getlist("automation_rule_ids")), posts)
    db.session.commit()
    flash(_created_message(posts), "success")
    if len(posts) == 1:
        return redirect(url_for("publishing.detail", post_id=posts[0].id))
    return redirect(url_for("publishing.index"))


def _created_message(posts) -> str:
    status, n = posts[0].status, len(posts)
    if status == "draft":
        return ngettext("The draft was saved.", "%(num)d drafts were saved.", n)
    if status == "pending_approval":
        return ngettext(
            "The post waits for an owner's approval.",
            "%(num)d posts wait for an owner's approval.",
            n,
        )
    if posts[0].scheduled_at is None:
        return ngettext(
            "Kezek is publishing the post now.", "Kezek is publishing %(num)d posts now.", n
        )
    return ngettext("The post was scheduled.", "%(num)d posts were scheduled.", n)


@bp.route("/quota/<int:account_id>")
@login_required
def quota(account_id: int):
    account = get_or_404(InstagramAccount, account_id)
    info = quota_for(db.session, current_app.config["SETTINGS"], account)
    db.session.commit()  # quota_for records API usage
    return render_template("publishing/_quota.html", account=account, quota=info)
