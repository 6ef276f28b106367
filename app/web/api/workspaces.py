"""/api/v1/workspaces: the user's workspaces, and the current one."""

from __future__ import annotations

from flask import g, request
from pydantic import Field

from app.extensions import db
from app.models import Membership, Role
from app.services import audit
from app.services.users import UserError
from app.services.workspaces import memberships_of, update_workspace
from app.web.api import bp
from app.web.api.errors import ApiError, field_error
from app.web.api.schemas import ListQuery, Schema, decode_cursor, optional, page_of
from app.web.api.spec import endpoint


class WorkspaceOut(Schema):
    id: str
    name: str
    timezone: str
    role: Role = Field(description="The user's role in this workspace.")


class WorkspacePage(Schema):
    items: list[WorkspaceOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class WorkspaceUpdate(Schema):
    """Omitted fields are left unchanged. Owners only."""

    name: str = optional(min_length=1, max_length=120)
    timezone: str = optional(min_length=1, max_length=64)


def workspace_out(m: Membership) -> WorkspaceOut:
    """The API view of a workspace, seen through one membership."""
    ws = m.workspace
    return WorkspaceOut(id=str(ws.id), name=ws.name, timezone=ws.timezone, role=Role(m.role))


@bp.get("/workspaces")
@endpoint(resp=WorkspacePage, query=ListQuery, needs_workspace=False, tags=("workspaces",))
def list_workspaces(query: ListQuery):
    """The workspaces the token's user belongs to, by id."""
    after = decode_cursor(query.next)
    rows = sorted(memberships_of(db.session, g.api_user), key=lambda m: m.workspace_id)
    if after is not None:
        rows = [m for m in rows if m.workspace_id > after]

    page, nxt = page_of(rows[: query.limit + 1], query.limit, key=lambda m: m.workspace_id)
    return WorkspacePage(items=[workspace_out(m) for m in page], next=nxt)


@bp.get("/workspaces/current")
@endpoint(resp=WorkspaceOut, tags=("workspaces",))
def get_current_workspace():
    """The workspace this call acts in (X-Kezek-Workspace, else the first one)."""
    return workspace_out(g.membership)


@bp.put("/workspaces/current")
@endpoint(resp=WorkspaceOut, json=WorkspaceUpdate, role=Role.OWNER, tags=("workspaces",))
def update_current_workspace(json: WorkspaceUpdate):
    """Rename the current workspace or change its timezone (owners only)."""
    ws = g.workspace
    try:
        update_workspace(ws, name=json.name, timezone=json.timezone)
    except UserError as e:
        field = "timezone" if e.code == "timezone_invalid" else "name"
        raise ApiError(422, fields=[field_error(field, e.code)]) from None
    audit.record(
        db.session,
        "workspace_update",
        user=g.api_user,
        workspace_id=ws.id,
        ip=request.remote_addr or "",
        detail={"via": "api"},
    )
    db.session.commit()
    return workspace_out(g.membership)
