"""/api/v1/media: the media library (upload, list, get, delete, crop/pad fix)."""

from __future__ import annotations

from functools import wraps
from typing import Annotated, Any, Literal

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import Field, WithJsonSchema
from spectree import Response

from app.extensions import db
from app.models import MediaItem, MediaKind, MediaState, Role
from app.services.media import (
    MediaError,
    delete_media,
    fix_media,
    get_media,
    list_media,
    public_url,
    upload_media,
)
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.schemas import (
    Error,
    ListQuery,
    Schema,
    Timestamp,
    WorkspaceHeader,
    decode_cursor,
    page_of,
    parse_id,
)
from app.web.api.spec import COMMON_ERRORS, endpoint, spec
from app.web.media.messages import action_text, error_text, reason_text, warning_text
from app.web.media.views import upload_limit

# Upload refusals answered with 409 (the item's state), the rest with 422.
CONFLICTS = {"in_use", "fix_not_possible", "fix_not_needed"}


class Notice(Schema):
    code: str = Field(description="Stable machine-readable code.")
    message: str = Field(description="Human-readable text in the token user's language.")


class Validation(Schema):
    format: str | None = Field(description="What the bytes are, e.g. `PNG` (never the name).")
    actions: list[Notice] = Field(description="What Kezek converted (e.g. to sRGB JPEG).")
    warnings: list[Notice] = Field(description="Problems no conversion fixes, e.g. aspect.")
    transcode_reasons: list[Notice] = Field(
        description="Why a video is being transcoded to H.264/AAC MP4 (empty when not)."
    )
    fixes: list[Literal["crop", "pad"]] = Field(
        description="Offered fixes: POST /media/{id}/fix with one of them."
    )
    probe: dict[str, Any] | None = Field(
        description="Videos: duration, codecs, resolution, frame rate, moov position."
    )


class MediaOut(Schema):
    id: str
    kind: MediaKind
    state: MediaState = Field(description="`processing` while a video is being transcoded.")
    progress: int = Field(description="Transcoding progress, 0-100.")
    original_name: str = Field(description="The uploaded file's name, for display only.")
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    url: str | None = Field(description="The public URL Instagram fetches (when ready).")
    validation: Validation
    error: Notice | None = Field(description="Why processing failed (state `failed`).")
    created_at: Timestamp


class MediaPage(Schema):
    items: list[MediaOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class UploadForm(Schema):
    file: Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})] = Field(
        description="The image (JPEG, PNG, WebP, HEIC) or video (MP4, MOV, ...) file."
    )


class FixIn(Schema):
    mode: Literal["crop", "pad"] = Field("crop", description="Crop the middle, or pad with white.")


def _notices(codes, render) -> list[Notice]:
    return [Notice(code=c, message=render(c)) for c in codes]


def media_out(item: MediaItem) -> MediaOut:
    """The API view of a library item."""
    v = item.validation or {}
    ready = item.state == MediaState.READY.value and item.removed_at is None
    return MediaOut(
        id=str(item.id),
        kind=MediaKind(item.kind),
        state=MediaState(item.state),
        progress=item.progress,
        original_name=item.original_name,
        content_type=item.content_type,
        size_bytes=item.size_bytes,
        width=item.width,
        height=item.height,
        duration_seconds=item.duration_seconds,
        url=public_url(current_app.config["SETTINGS"], item) if ready else None,
        validation=Validation(
            format=v.get("format") or (v.get("probe") or {}).get("container"),
            actions=_notices(v.get("actions", []), action_text),
            warnings=[
                Notice(code=w["code"], message=warning_text(w)) for w in v.get("warnings", [])
            ],
            transcode_reasons=_notices(v.get("transcode", []), reason_text),
            fixes=v.get("fixes", []),
            probe=v.get("result") or v.get("probe"),
        ),
        error=Notice(code=item.error_key, message=error_text(item.error_key))
        if item.error_key
        else None,
        created_at=item.created_at,
    )


def _refused(e: MediaError) -> ApiError:
    status = 413 if e.code == "too_large" else 409 if e.code in CONFLICTS else 422
    return ApiError(status, f"media_{e.code}", error_text(e.code, e.params))


def upload_endpoint(view):
    """Like `endpoint`, for a multipart body: the 1 MiB JSON limit is raised to the upload's."""
    from app.web.api.auth import authenticate

    codes = {"HTTP_201": MediaOut, **{f"HTTP_{c}": Error for c in COMMON_ERRORS}}
    validated = spec.validate(
        form=UploadForm,
        headers=WorkspaceHeader,
        resp=Response(**codes),
        tags=("media",),
        operation_id=view.__name__,
    )(view)

    @wraps(validated)
    def wrapped(*args, **kwargs):
        request.max_content_length = upload_limit(current_app.config["SETTINGS"])
        authenticate(write=True, role=Role.EDITOR, needs_workspace=True)
        if request.mimetype != "multipart/form-data":
            raise ApiError(
                415, message=_("Send the file as multipart/form-data in the field `file`.")
            )
        return validated(*args, **kwargs)

    return wrapped


def _item_or_404(media_id: str) -> MediaItem:
    key = parse_id(media_id)
    item = get_media(db.session, g.workspace.id, key) if key else None
    if item is None:
        raise ApiError(404)
    return item


@bp.post("/media")
@upload_endpoint
def upload_media_file():
    """Upload an image or video (multipart field `file`); it is checked and converted.

    Images become sRGB JPEGs at once; videos that break the Reels/Stories spec are
    transcoded in the background (`state` is `processing` until then). Editors and owners.
    """
    upload = request.files.get("file")
    if upload is None:
        raise _refused(MediaError("no_file"))
    try:
        item = upload_media(
            db.session,
            current_app.config["SETTINGS"],
            workspace_id=g.workspace.id,
            user_id=g.api_user.id,
            stream=upload.stream,
            filename=upload.filename,
        )
    except MediaError as e:
        db.session.rollback()
        raise _refused(e) from None
    db.session.commit()
    return media_out(item), 201


@bp.get("/media")
@endpoint(resp=MediaPage, query=ListQuery, tags=("media",))
def list_media_items(query: ListQuery):
    """The workspace's media library, newest first."""
    before = decode_cursor(query.next)
    rows = list_media(db.session, g.workspace.id, before_id=before, limit=query.limit + 1)
    page, nxt = page_of(rows, query.limit)
    return MediaPage(items=[media_out(i) for i in page], next=nxt)


@bp.get("/media/<media_id>")
@endpoint(resp=MediaOut, tags=("media",))
def get_media_item(media_id: str):
    """One library item, with its validation result and processing state."""
    return media_out(_item_or_404(media_id))


@bp.delete("/media/<media_id>")
@endpoint(status=204, role=Role.EDITOR, tags=("media",), extra_errors=(409,))
def delete_media_item(media_id: str):
    """Delete an item and its files (409 while a post uses it). Editors and owners."""
    item = _item_or_404(media_id)
    try:
        delete_media(db.session, item, current_app.config["SETTINGS"])
    except MediaError as e:
        db.session.rollback()
        raise _refused(e) from None
    db.session.commit()
    return "", 204


@bp.post("/media/<media_id>/fix")
@endpoint(
    status=201, resp=MediaOut, json=FixIn, role=Role.EDITOR, tags=("media",), extra_errors=(409,)
)
def fix_media_item(media_id: str, json: FixIn):
    """A new JPEG item cropped or padded into the feed's aspect range (4:5 to 1.91:1)."""
    item = _item_or_404(media_id)
    try:
        new = fix_media(db.session, current_app.config["SETTINGS"], item, json.mode, g.api_user.id)
    except MediaError as e:
        db.session.rollback()
        raise _refused(e) from None
    db.session.commit()
    return media_out(new), 201
