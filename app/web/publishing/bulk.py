"""Bulk import from CSV, and the caption snippets / hashtag groups of a workspace."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Role, Snippet
from app.services.csv_import import COLUMNS, ImportError_, import_posts
from app.services.snippets import SnippetError, create_snippet, delete_snippet, list_snippets
from app.web.admin.forms import EmptyForm
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.publishing import bp
from app.web.publishing.forms import ImportForm, SnippetForm
from app.web.publishing.messages import import_error_text, snippet_error_text


@bp.route("/import", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def bulk_import():
    form = ImportForm()
    results, file_error = None, None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(2 * 1024 * 1024 + 1) if upload else b""
        try:
            results = import_posts(
                db.session,
                current_app.config["SETTINGS"],
                workspace_id=current_workspace_id(),
                timezone=g.workspace.timezone,
                user=current_user,
                data=data,
            )
        except ImportError_ as e:
            db.session.rollback()
            file_error = import_error_text(e.code, e.params)
        else:
            db.session.commit()
            ok = sum(1 for r in results if r.ok)
            refused = len(results) - ok
            flash(
                ngettext("%(num)d row was imported.", "%(num)d rows were imported.", ok)
                + (
                    " "
                    + ngettext("%(num)d row was refused.", "%(num)d rows were refused.", refused)
                    if refused
                    else ""
                ),
                "success" if not refused else "warning",
            )
    return render_template(
        "publishing/import.html",
        form=form,
        results=results,
        file_error=file_error,
        columns=COLUMNS,
        error_text=import_error_text,
    )


@bp.route("/snippets", methods=["GET", "POST"])
@login_required
def snippets():
    ws_id = current_workspace_id()
    form = SnippetForm()
    can_edit = g.membership.allows(Role.EDITOR)
    if form.is_submitted():
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            try:
                create_snippet(
                    db.session,
                    ws_id,
                    current_user,
                    name=form.name.data,
                    body=form.body.data,
                    kind=form.kind.data,
                )
            except SnippetError as e:
                db.session.rollback()
                form.body.errors = [*form.body.errors, snippet_error_text(e.code)]
            else:
                db.session.commit()
                flash(_("The snippet was saved."), "success")
                return redirect(url_for("publishing.snippets"))
    return render_template(
        "publishing/snippets.html",
        form=form,
        rows=list_snippets(db.session, ws_id),
        can_edit=can_edit,
        delete_form=EmptyForm(),
    )


@bp.route("/snippets/<int:snippet_id>/delete", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def delete_snippet_view(snippet_id: int):
    row = get_or_404(Snippet, snippet_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delete_snippet(db.session, row)
    db.session.commit()
    flash(_("The snippet was deleted."), "success")
    return redirect(url_for("publishing.snippets"))
