"""Workspaces: roles, settings, and isolation between workspaces on every route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, Role, Workspace
from app.services.workspaces import add_member, create_workspace
from tests.conftest import csrf_from, login, post_form


def test_owner_changes_workspace_name_and_timezone(logged_in, session):
    client, user = logged_in
    resp = post_form(
        client,
        "/settings/workspace",
        "/settings/workspace",
        {"name": "Кафе Сәлем", "timezone": "Asia/Aqtobe"},
    )
    assert resp.status_code == 302
    session.expire_all()
    ws = session.scalar(select(Workspace).where(Workspace.name == "Кафе Сәлем"))
    assert ws is not None and ws.timezone == "Asia/Aqtobe"
    assert session.scalar(select(AuditLog).where(AuditLog.action == "workspace_update"))


def test_unknown_timezone_is_refused_with_a_message(logged_in, session):
    client, _ = logged_in
    resp = post_form(
        client,
        "/settings/workspace",
        "/settings/workspace",
        {"name": "X", "timezone": "Mars/Olympus"},
    )
    assert resp.status_code == 200 and "Unknown timezone" in resp.text
    session.expire_all()
    assert session.scalar(select(Workspace.timezone)) == "Asia/Almaty"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_non_owners_cannot_change_the_workspace(client, make_user, session, role):
    owner = make_user("owner")
    member = make_user("member")
    ws = session.scalar(select(Workspace).where(Workspace.name == "owner"))
    add_member(session, ws, member, role)
    session.commit()
    login(client, "member")
    token = csrf_from(client.get("/").text)
    client.post(f"/workspaces/{ws.id}/switch", data={"csrf_token": token})
    assert "Only owners can change" in client.get("/settings/workspace").text
    resp = client.post(
        "/settings/workspace", data={"csrf_token": token, "name": "Hacked", "timezone": "UTC"}
    )
    assert resp.status_code == 403
    assert client.get("/settings/activity").status_code == 403
    session.refresh(ws)
    assert ws.name == "owner" and owner.id


def test_switching_between_own_workspaces(logged_in, session):
    client, user = logged_in
    second = create_workspace(session, session.merge(user), "Second shop", "Asia/Almaty")
    session.commit()
    token = csrf_from(client.get("/").text)
    assert (
        client.post(f"/workspaces/{second.id}/switch", data={"csrf_token": token}).status_code
        == 302
    )
    assert "Workspace: Second shop" in client.get("/").text


# Isolation on every route (dashboard and API): tests/security/test_isolation_crawler.py.


def test_scoped_helper_never_returns_another_workspaces_rows(session, make_user):
    from app.models import AuditLog as Row
    from app.services.workspaces import get_scoped

    make_user("alice")
    make_user("bob")
    a, b = session.scalars(select(Workspace).order_by(Workspace.name)).all()
    row = Row(action="x", workspace_id=b.id)
    session.add(row)
    session.commit()
    assert get_scoped(session, Row, row.id, a.id) is None
    assert get_scoped(session, Row, row.id, b.id) is row
    assert get_scoped(session, Row, "not-a-number", b.id) is None
