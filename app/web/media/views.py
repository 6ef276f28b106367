"""The media library: list, upload (streamed, with progress), item page, fixes, delete."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.validators import ValidationError

from app.extensions import csrf, db
from app.models import MediaItem, MediaState, Role
from app.services.media import (
    MediaError,
    delete_media,
    fix_media,
    list_media,
    media_in_use,
    public_url,
    upload_media,
)
from app.web.admin.forms import EmptyForm
from app.web.context import current_workspace_id, get_or_404, require_role
from app.web.media import bp
from app.web.media.messages import action_text, error_text, reason_text, warning_text

PAGE = 48
MiB = 1024 * 1024


def upload_limit(settings) -> int:
    """The largest request body an upload may have (file plus form overhead)."""
    return max(settings.MEDIA_MAX_IMAGE_BYTES, settings.MEDIA_MAX_VIDEO_BYTES) + MiB


@bp.route("/media/")
@login_required
def index():
    before = request.args.get("before", type=int)
    items = list_media(db.session, current_workspace_id(), before_id=before, limit=PAGE + 1)
    more = len(items) > PAGE
    items = items[:PAGE]
    settings = current_app.config["SETTINGS"]
    return render_template(
        "media/index.html",
        items=items,
        next_before=items[-1].id if more else None,
        form=EmptyForm(),
        max_image_mb=settings.MEDIA_MAX_IMAGE_BYTES // MiB,
        max_video_mb=settings.MEDIA_MAX_VIDEO_BYTES // MiB,
        max_bytes=max(settings.MEDIA_MAX_IMAGE_BYTES, settings.MEDIA_MAX_VIDEO_BYTES),
    )


@bp.route("/media/list")
@login_required
def list_fragment():
    items = list_media(db.session, current_workspace_id(), limit=PAGE + 1)
    return render_template(
        "media/_list.html",
        items=items[:PAGE],
        next_before=items[PAGE - 1].id if len(items) > PAGE else None,
    )


def _upload_answer(status: int, message: str, item: MediaItem | None = None):
    wants_json = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    if wants_json:
        body = {"message": message}
        if item is not None:
            body.update(id=item.id, url=url_for("media.detail", media_id=item.id))
        return jsonify(body), status
    flash(message, "success" if status < 400 else "danger")
    if item is not None:
        return redirect(url_for("media.detail", media_id=item.id))
    return redirect(url_for("media.index"))


@bp.route("/media/upload", methods=["POST"])
@csrf.exempt  # checked below, after the body limit is set (parsing the form reads the body)
@login_required
@require_role(Role.EDITOR)
def upload():
    settings = current_app.config["SETTINGS"]
    request.max_content_length = upload_limit(settings)
    try:
        validate_csrf(request.form.get("csrf_token"))
        upload_file = request.files.get("file")
    except RequestEntityTooLarge:
        limit_mb = round(upload_limit(settings) / MiB, 2)
        return _upload_answer(413, error_text("too_large", {"limit_mb": limit_mb}))
    except (ValidationError, CSRFError):
        return _upload_answer(400, _("The form has expired. Please reload the page and try again."))
    if upload_file is None or not upload_file.filename and not upload_file.content_length:
        return _upload_answer(422, error_text("no_file"))
    try:
        item = upload_media(
            db.session,
            settings,
            workspace_id=current_workspace_id(),
            user_id=current_user.id,
            stream=upload_file.stream,
            filename=upload_file.filename,
        )
    except MediaError as e:
        db.session.rollback()
        status = 413 if e.code == "too_large" else 422
        return _upload_answer(status, error_text(e.code, e.params))
    db.session.commit()
    if item.state == MediaState.PROCESSING.value:
        message = _("Uploaded. Kezek is converting the video in the background.")
    else:
        message = _("Uploaded and checked.")
    return _upload_answer(201, message, item)


def _view_model(item: MediaItem) -> dict:
    v = item.validation or {}
    return {
        "actions": [action_text(a) for a in v.get("actions", [])],
        "warnings": [warning_text(w) for w in v.get("warnings", [])],
        "reasons": [reason_text(r) for r in v.get("transcode", [])],
        "fixes": v.get("fixes", []),
        "probe": v.get("result") or v.get("probe"),
        "error": error_text(item.error_key) if item.error_key else None,
    }


@bp.route("/media/<int:media_id>")
@login_required
def detail(media_id: int):
    item = get_or_404(MediaItem, media_id)
    return render_template(
        "media/detail.html",
        item=item,
        vm=_view_model(item),
        form=EmptyForm(),
        public=public_url(current_app.config["SETTINGS"], item),
        in_use=media_in_use(db.session, item.id),
    )


@bp.route("/media/<int:media_id>/status")
@login_required
def status(media_id: int):
    item = get_or_404(MediaItem, media_id)
    return render_template("media/_status.html", item=item, vm=_view_model(item))


@bp.route("/media/<int:media_id>/fix", methods=["POST"])
@login_required
@require_role(Role.EDITOR)
def fix(media_id: int):
    item = get_or_404(MediaItem, media_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        new = fix_media(
            db.session,
            current_app.config["SETTINGS"],
            item,
            request.form.get("mode", ""),
            current_user.id,
        )
    except MediaError as e:
        db.session.rollback()
        flash(error_text(e.code, e.params), "danger")
        return redirect(url_for("media.detail", media_id=item.id))
    db.session.commit()
    flash(_("A new image was made; the original is unchanged."), "success")
    return redirect(url_for("media.detail", media_id=new.id))


@bp.route("/media/<int:media_id>/delete", methods=["GET", "POST"])
@login_required
@require_role(Role.EDITOR)
def delete(media_id: int):
    item = get_or_404(MediaItem, media_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            delete_media(db.session, item, current_app.config["SETTINGS"])
        except MediaError as e:
            db.session.rollback()
            flash(error_text(e.code, e.params), "danger")
            return redirect(url_for("media.detail", media_id=item.id))
        db.session.commit()
        flash(_("The file was deleted."), "success")
        return redirect(url_for("media.index"))
    return render_template(
        "media/delete.html", item=item, form=form, in_use=media_in_use(db.session, item.id)
    )
