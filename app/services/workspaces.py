"""Workspaces, memberships, and the one helper that scopes queries to a workspace."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.i18n import valid_timezone
from app.models import Membership, Role, User, Workspace
from app.services.users import UserError

T = TypeVar("T")


def scoped(model: type[T], workspace_id: int) -> Select[tuple[T]]:
    """`select(model)` limited to one workspace: every customer-data query starts here."""
    return select(model).where(model.workspace_id == workspace_id)  # type: ignore[attr-defined]


def get_scoped(session: Session, model: type[T], obj_id, workspace_id: int) -> T | None:
    """One row of `model` by id, only if it belongs to the workspace."""
    try:
        key = int(obj_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(scoped(model, workspace_id).where(model.id == key))  # type: ignore[attr-defined]


def memberships_of(session: Session, user: User) -> list[Membership]:
    """A user's memberships with their workspaces, by workspace name."""
    return list(
        session.scalars(
            select(Membership)
            .join(Workspace)
            .where(Membership.user_id == user.id)
            .order_by(Workspace.name, Workspace.id)
        )
    )


def membership(session: Session, user: User, workspace_id: int) -> Membership | None:
    """The user's membership in one workspace, or None."""
    return session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace_id
        )
    )


def update_workspace(ws: Workspace, *, name: str | None = None, timezone: str | None = None):
    """Rename a workspace or change its timezone."""
    if name is not None:
        name = name.strip()
        if not 1 <= len(name) <= 120:
            raise UserError("workspace_name_invalid")
        ws.name = name
    if timezone is not None:
        if not valid_timezone(timezone):
            raise UserError("timezone_invalid")
        ws.timezone = timezone


def create_workspace(session: Session, owner: User, name: str, timezone: str) -> Workspace:
    """Create a workspace owned by `owner`."""
    ws = Workspace(name="", timezone="UTC")
    update_workspace(ws, name=name, timezone=timezone)
    session.add(ws)
    session.add(Membership(user=owner, workspace=ws, role=Role.OWNER.value))
    session.flush()
    return ws


def add_member(session: Session, ws: Workspace, user: User, role: Role) -> Membership:
    """Give a user a role in a workspace (or change it)."""
    m = membership(session, user, ws.id)
    if m is None:
        m = Membership(user=user, workspace=ws, role=role.value)
        session.add(m)
    else:
        m.role = role.value
    session.flush()
    return m
