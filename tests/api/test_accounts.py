"""/accounts: list, get, disconnect (with the dashboard's data removal) and sync now."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, InstagramAccount, InstagramMedia, Role
from tests.api.conftest import Api


@pytest.fixture
def ws_id(alice):
    return alice.memberships[0].workspace_id


def test_accounts_are_listed_and_read_without_their_token(api, make_account, ws_id):
    a = make_account(ws_id, "cafe.salem")
    b = make_account(ws_id, "almaty.books")
    items = api.get("/accounts").get_json()["items"]
    assert [i["id"] for i in items] == [str(a.id), str(b.id)]
    one = api.get(f"/accounts/{a.id}").get_json()
    assert one["username"] == "cafe.salem" and one["status"] == "active"
    assert one["followers_count"] == 120 and one["connected_at"].endswith("Z")
    assert not any("token" in k and "expires" not in k for k in one)


def test_accounts_are_paged(api, make_account, ws_id):
    ids = [str(make_account(ws_id, f"acc{i}").id) for i in range(3)]
    first = api.get("/accounts", query_string={"limit": 2}).get_json()
    second = api.get("/accounts", query_string={"limit": 2, "next": first["next"]}).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids
    assert second["next"] is None


def test_another_workspaces_account_is_a_404_everywhere(
    api, make_account, other_workspace, session
):
    _bob, ws = other_workspace
    theirs = make_account(ws.id)
    assert api.get("/accounts").get_json()["items"] == []
    for method, path in [("get", ""), ("delete", ""), ("post", "/sync")]:
        resp = getattr(api, method)(f"/accounts/{theirs.id}{path}")
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    session.expire_all()
    account = session.get(InstagramAccount, theirs.id)
    assert account is not None and account.sync_requested_at is None


@pytest.mark.parametrize("bad_id", ["abc", "0", "1.5", "99999999999999999999999"])
def test_bad_account_ids_are_404(api, bad_id):
    assert api.get(f"/accounts/{bad_id}").status_code == 404


def test_sync_now_marks_the_account_for_the_worker(api, make_account, ws_id, session):
    a = make_account(ws_id)
    resp = api.post(f"/accounts/{a.id}/sync")
    assert resp.status_code == 202 and resp.get_json()["sync_requested_at"].endswith("Z")
    session.expire_all()
    assert session.get(InstagramAccount, a.id).sync_requested_at is not None


def test_disconnect_deletes_the_account_and_its_data_and_is_audited(
    api, make_account, ws_id, session, alice
):
    account_id = make_account(ws_id).id
    resp = api.delete(f"/accounts/{account_id}")
    assert resp.status_code == 204 and resp.data == b""
    session.expire_all()
    assert session.get(InstagramAccount, account_id) is None
    assert session.scalar(select(func.count(InstagramMedia.id))) == 0
    row = session.scalar(select(AuditLog).where(AuditLog.action == "account_disconnect"))
    assert row.user_id == alice.id and row.workspace_id == ws_id
    assert api.get(f"/accounts/{account_id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "sync_status", "delete_status"),
    [(Role.VIEWER, 403, 403), (Role.EDITOR, 202, 403), (Role.OWNER, 202, 204)],
)
def test_roles_decide_who_may_sync_and_disconnect(
    client, api, make_account, shared_workspace, role, sync_status, delete_status
):
    ws = shared_workspace(role)
    a = make_account(ws.id)
    member = Api(client, api.token, ws.id)
    assert member.get(f"/accounts/{a.id}").status_code == 200
    assert member.post(f"/accounts/{a.id}/sync").status_code == sync_status
    assert member.delete(f"/accounts/{a.id}").status_code == delete_status


@pytest.mark.parametrize("method, path", [("post", "/sync"), ("delete", "")])
def test_read_only_tokens_cannot_sync_or_disconnect(
    client, alice, make_token, make_account, ws_id, method, path
):
    a = make_account(ws_id)
    ro = Api(client, make_token(alice, read_only=True))
    resp = getattr(ro, method)(f"/accounts/{a.id}{path}")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "read_only_token"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accounts"),
        ("get", "/accounts/1"),
        ("delete", "/accounts/1"),
        ("post", "/accounts/1/sync"),
    ],
)
def test_accounts_need_a_valid_token(client, alice, method, path):
    resp = getattr(Api(client, None), method)(path)
    assert resp.status_code == 401
    resp = getattr(Api(client, "kzk_nope"), method)(path)
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_token"
