"""/api/v1/privacy and /api/v1/audit-log: export my data, delete all my data, the audit log."""

from __future__ import annotations

from functools import wraps
from typing import Literal

from flask import current_app, g, request, send_file
from flask_babel import gettext as _
from pydantic import Field
from spectree import Response

from app.extensions import db
from app.models import ExportJob, Role
from app.services import audit, privacy_audit
from app.services.deletion import delete_user
from app.services.export import ExportError, downloadable, start_export, take_download
from app.services.users import UserError, check_password
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.schemas import (
    CURSOR_RE,
    Error,
    Schema,
    Timestamp,
    WorkspaceHeader,
    decode_cursor,
    optional,
    page_of,
    parse_id,
)
from app.web.api.spec import COMMON_ERRORS, endpoint, spec

TAGS = ("privacy",)


class ExportOut(Schema):
    id: str
    state: Literal["pending", "running", "ready", "failed"]
    progress: int = Field(description="Percent done.")
    created_at: Timestamp
    expires_at: Timestamp | None = Field(description="The file is deleted at this time.")
    downloaded_at: Timestamp | None = Field(description="Set once: the download is single-use.")
    downloadable: bool = Field(description="True while `GET .../download` will answer the ZIP.")


class DeleteAllIn(Schema):
    password: str = Field(min_length=1, max_length=72, description="The user's password.")


class AuditQuery(Schema):
    limit: int = Field(50, ge=1, le=100, description="Items per page.")
    next: str = optional("Cursor from the previous page's `next`.", pattern=CURSOR_RE.pattern)
    action: str = optional("Only this action, e.g. `login`.", max_length=64)
    username: str = optional("Only events by this username.", max_length=64)
    result: Literal["ok", "success", "failure", "throttled"] = optional("Only this result.")
    scope: Literal["workspace", "all"] = optional(
        "`workspace` (default): the workspace and your own events; `all`: admins only."
    )


class AuditEvent(Schema):
    id: str
    created_at: Timestamp
    workspace_id: str | None
    username: str = Field(description="Empty when the user was deleted.")
    action: str
    result: str
    ip: str
    detail: dict | None


class AuditPage(Schema):
    items: list[AuditEvent]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


def export_out(job: ExportJob) -> ExportOut:
    return ExportOut(
        id=str(job.id),
        state=job.state,
        progress=job.progress,
        created_at=job.created_at,
        expires_at=job.expires_at,
        downloaded_at=job.downloaded_at,
        downloadable=downloadable(job, g.api_user),
    )


def _export_or_404(export_id: str) -> ExportJob:
    key = parse_id(export_id)
    job = db.session.get(ExportJob, key) if key else None
    if job is None or job.requested_by_id != g.api_user.id:
        raise ApiError(404)
    return job


@bp.post("/privacy/exports")
@endpoint(status=202, resp=ExportOut, needs_workspace=False, tags=TAGS)
def start_data_export():
    """Start building a ZIP of everything Kezek stores about the token's user."""
    job = start_export(db.session, g.api_user, g.api_user)
    audit.record(db.session, "data_export", user=g.api_user, ip=request.remote_addr or "")
    db.session.commit()
    return export_out(job), 202


@bp.get("/privacy/exports/<export_id>")
@endpoint(resp=ExportOut, needs_workspace=False, tags=TAGS)
def get_data_export(export_id: str):
    """The state and progress of an export."""
    return export_out(_export_or_404(export_id))


def file_endpoint(view):
    """Like endpoint() for a streamed file: documented, authenticated, body not validated.

    Spectree reads a response's whole body to validate it; a ZIP with media files is
    streamed instead, so only the documentation of spectree is used here.
    """
    from app.web.api.auth import authenticate

    codes = {"HTTP_200": None, **{f"HTTP_{c}": Error for c in (*COMMON_ERRORS, 410)}}
    documented = spec.validate(
        headers=WorkspaceHeader, resp=Response(**codes), tags=TAGS, operation_id=view.__name__
    )(view)

    @wraps(documented)
    def wrapped(*args, **kwargs):
        authenticate(write=False, role=Role.VIEWER, needs_workspace=False)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/privacy/exports/<export_id>/download")
@file_endpoint
def download_data_export(export_id: str):
    """The ZIP (`application/zip`); works once, until `expires_at`, then 410."""
    job = _export_or_404(export_id)
    try:
        path = take_download(
            db.session, current_app.config["SETTINGS"], job, g.api_user, None, need_token=False
        )
    except ExportError:
        db.session.rollback()
        raise ApiError(
            410, "export_gone", _("This export was downloaded already or expired.")
        ) from None
    audit.record(db.session, "data_export_download", user=g.api_user, ip=request.remote_addr or "")
    db.session.commit()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"kezek-export-{job.id}.zip",
        max_age=0,
    )
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response


@bp.post("/privacy/delete-all")
@endpoint(status=204, json=DeleteAllIn, needs_workspace=False, tags=TAGS)
def delete_all_my_data(json: DeleteAllIn):
    """Delete the token's user, the workspaces they alone own, and their memberships."""
    user = g.api_user
    if not check_password(user, json.password):
        audit.record(
            db.session, "data_delete_all", user=user, ip=request.remote_addr or "", result="failure"
        )
        db.session.commit()
        raise ApiError(403, "password_incorrect", _("The password is not correct."))
    try:
        delete_user(db.session, current_app.config["SETTINGS"], user, ip=request.remote_addr or "")
    except UserError:
        db.session.rollback()
        raise ApiError(409, "last_admin", _("You cannot delete the last admin.")) from None
    db.session.commit()
    return "", 204


@bp.get("/audit-log")
@endpoint(resp=AuditPage, query=AuditQuery, role=Role.OWNER, tags=TAGS)
def list_audit_events(query: AuditQuery):
    """Audit events of the workspace (owners) or of every workspace (`scope=all`, admins)."""
    everything = query.scope == "all"
    if everything and not g.api_user.is_admin:
        raise ApiError(403)
    f = privacy_audit.AuditFilter(
        workspace_id=None if everything else g.workspace.id,
        own_user_id=None if everything else g.api_user.id,
        action=query.action or "",
        username=query.username or "",
        result=query.result or "",
    )
    rows, _more = privacy_audit.page(
        db.session, f, before=decode_cursor(query.next), limit=query.limit + 1
    )
    page, nxt = page_of(rows, query.limit)
    return AuditPage(
        items=[
            AuditEvent(
                id=str(r.id),
                created_at=r.created_at,
                workspace_id=str(r.workspace_id) if r.workspace_id else None,
                username=r.username,
                action=r.action,
                result=r.result,
                ip=r.ip,
                detail=r.detail,
            )
            for r in page
        ],
        next=nxt,
    )
