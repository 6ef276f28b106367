"""/users/me and /workspaces: reading, changing, validation, roles and isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, Role, User, Workspace
from tests.api.conftest import Api


def test_me_describes_the_tokens_user(api, alice):
    body = api.get("/users/me").get_json()
    assert body == {
        "id": str(alice.id),
        "username": "alice",
        "display_name": "alice",
        "language": None,
        "timezone": None,
        "is_admin": False,
    }


def test_me_can_change_display_name_language_and_timezone(api, session, alice):
    resp = api.put(
        "/users/me", json={"display_name": " Әлия ", "language": "kk", "timezone": "Asia/Aqtobe"}
    )
    assert resp.status_code == 200
    assert resp.get_json()["display_name"] == "Әлия" and resp.get_json()["language"] == "kk"
    session.expire_all()
    user = session.get(User, alice.id)
    assert (user.display_name, user.locale, user.timezone) == ("Әлия", "kk", "Asia/Aqtobe")
    # Omitted fields stay; a null timezone clears it.
    resp = api.put("/users/me", json={"timezone": None})
    assert resp.get_json()["timezone"] is None and resp.get_json()["language"] == "kk"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "timezone_invalid"),
        ({"language": "de"}, "language", "literal_error"),
        ({"display_name": "x" * 121}, "display_name", "string_too_long"),
        ({"display_name": None}, "display_name", "string_type"),
        ({"display_name": 5}, "display_name", "string_type"),
        ({"nickname": "x"}, "nickname", "extra_forbidden"),
    ],
)
def test_bad_profile_input_is_a_422_with_field_errors(api, session, alice, body, field, code):
    resp = api.put("/users/me", json=body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert [(f["field"], f["code"]) for f in error["fields"]] == [(field, code)]
    assert all(f["message"] for f in error["fields"])
    session.expire_all()
    assert session.get(User, alice.id).display_name == "alice"


def test_a_body_that_is_not_a_json_object_is_refused(api):
    assert api.put("/users/me", data="display_name=x").status_code == 415
    resp = api.put("/users/me", data="{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json"
    resp = api.put("/users/me", json=["display_name"])
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"][0]["field"] == "body"


def test_a_too_large_body_is_a_413(api):
    resp = api.put("/users/me", json={"display_name": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_workspaces_lists_the_users_workspaces_with_roles(api, alice, shared_workspace):
    shared = shared_workspace(Role.VIEWER)
    items = api.get("/workspaces").get_json()["items"]
    own = alice.memberships[0].workspace
    assert [(i["id"], i["role"]) for i in items] == [
        (str(own.id), "owner"),
        (str(shared.id), "viewer"),
    ]


def test_workspaces_are_paged_with_limit_and_next(api, shared_workspace):
    for i in range(3):
        shared_workspace(Role.EDITOR, f"W{i}")
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"next": cursor} if cursor else {})}
        body = api.get("/workspaces", query_string=query).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 2 and len(seen) == 4 == len(set(seen))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"next": "bm9wZQ"}, "next"),
        ({"next": "-1"}, "next"),
    ],
)
def test_bad_paging_parameters_are_a_422(api, query, field):
    resp = api.get("/workspaces", query_string=query)
    assert resp.status_code == 422
    assert [f["field"] for f in resp.get_json()["error"]["fields"]] == [field]


def test_the_workspace_header_picks_the_workspace(client, api, shared_workspace):
    shared = shared_workspace(Role.VIEWER)
    assert api.get("/workspaces/current").get_json()["name"] == "alice"
    other = Api(client, api.token, shared.id).get("/workspaces/current").get_json()
    assert other == {
        "id": str(shared.id),
        "name": "Shared",
        "timezone": "Asia/Almaty",
        "role": "viewer",
    }


@pytest.mark.parametrize("path", ["/workspaces/current", "/notifications", "/users/me"])
def test_another_workspaces_id_is_a_404(client, api, other_workspace, path):
    _bob, ws = other_workspace
    resp = Api(client, api.token, ws.id).get(path)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "workspace_not_found"
    assert Api(client, api.token, "abc").get(path).status_code == 404


def test_owners_change_the_current_workspace_and_it_is_audited(api, session, alice):
    resp = api.put("/workspaces/current", json={"name": "Кафе", "timezone": "Asia/Aqtobe"})
    assert resp.status_code == 200 and resp.get_json()["name"] == "Кафе"
    session.expire_all()
    ws = session.get(Workspace, alice.memberships[0].workspace_id)
    assert (ws.name, ws.timezone) == ("Кафе", "Asia/Aqtobe")
    row = session.scalar(select(AuditLog).where(AuditLog.action == "workspace_update"))
    assert row.user_id == alice.id and row.workspace_id == ws.id


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_non_owners_cannot_change_the_workspace(client, api, shared_workspace, session, role):
    shared = shared_workspace(role)
    resp = Api(client, api.token, shared.id).put("/workspaces/current", json={"name": "Mine"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    session.expire_all()
    assert session.get(Workspace, shared.id).name == "Shared"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Nowhere"}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_bad_workspace_input_is_a_422(api, body, field):
    resp = api.put("/workspaces/current", json=body)
    assert resp.status_code == 422
    assert [f["field"] for f in resp.get_json()["error"]["fields"]] == [field]


def test_unknown_paths_and_methods_answer_json_errors(api):
    resp = api.get("/no-such-thing")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = api.delete("/users/me")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
