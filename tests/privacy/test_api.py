"""The privacy API: export start/status/download, delete-all with the password, audit log."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from app.models import AuditLog, User, Workspace
from app.services import audit
from app.services.api_tokens import create_token
from scheduler.privacy_jobs import run_exports
from tests.conftest import PASSWORD

WRITES = [("post", "/privacy/exports", None), ("post", "/privacy/delete-all", {"password": "x"})]
READS = [
    ("get", "/privacy/exports/1", None),
    ("get", "/privacy/exports/1/download", None),
    ("get", "/audit-log", None),
]


@pytest.fixture
def token_for(session):
    def make(user, read_only=False):
        _row, raw = create_token(session, user, "t", read_only=read_only)
        session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


def _call(client, method, path, body, headers):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)("/api/v1" + path, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path", "body"), WRITES + READS)
def test_a_token_is_needed(client, method, path, body):
    resp = _call(client, method, path, body, {})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_cannot_write(client, make_user, token_for, method, path, body):
    user = make_user()
    resp = _call(client, method, path, body, token_for(user, read_only=True))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "read_only_token"


def test_bad_input_is_422(client, make_user, token_for):
    headers = token_for(make_user())
    resp = client.post("/api/v1/privacy/delete-all", json={"pwd": "x"}, headers=headers)
    assert resp.status_code == 422
    assert {f["field"] for f in resp.get_json()["error"]["fields"]} >= {"password"}
    assert client.get("/api/v1/audit-log?result=maybe", headers=headers).status_code == 422


def test_export_over_the_api_is_single_use(app, client, make_user, token_for, media_dir):
    user = make_user("apiexp")
    headers = token_for(user)
    resp = client.post("/api/v1/privacy/exports", headers=headers)
    assert resp.status_code == 202
    export_id = resp.get_json()["id"]
    assert resp.get_json()["state"] == "pending"
    with app.app_context():
        assert run_exports() == 1
    status = client.get(f"/api/v1/privacy/exports/{export_id}", headers=headers).get_json()
    assert status["state"] == "ready" and status["downloadable"] is True
    other = token_for(make_user("nosy"))
    assert client.get(f"/api/v1/privacy/exports/{export_id}", headers=other).status_code == 404
    resp = client.get(f"/api/v1/privacy/exports/{export_id}/download", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    again = client.get(f"/api/v1/privacy/exports/{export_id}/download", headers=headers)
    assert again.status_code == 410 and again.get_json()["error"]["code"] == "export_gone"


def test_delete_all_over_the_api_needs_the_password(client, session, make_user, token_for):
    user = make_user("apigone")
    user_id, ws_id = user.id, user.memberships[0].workspace_id
    headers = token_for(user)
    wrong = client.post("/api/v1/privacy/delete-all", json={"password": "nope"}, headers=headers)
    assert wrong.status_code == 403
    ok = client.post("/api/v1/privacy/delete-all", json={"password": PASSWORD}, headers=headers)
    assert ok.status_code == 204
    session.expire_all()
    assert session.get(User, user_id) is None and session.get(Workspace, ws_id) is None
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_the_audit_log_is_for_owners_and_scoped(client, session, make_user, token_for):
    owner = make_user("auditowner")
    stranger = make_user("auditstranger")
    audit.record(
        session,
        "post_delete",
        user=owner,
        workspace_id=owner.memberships[0].workspace_id,
        ip="10.2.2.2",
    )
    audit.record(
        session,
        "post_delete",
        user=stranger,
        workspace_id=stranger.memberships[0].workspace_id,
        ip="10.3.3.3",
    )
    session.commit()
    headers = token_for(owner)
    body = client.get("/api/v1/audit-log?action=post_delete", headers=headers).get_json()
    assert [e["ip"] for e in body["items"]] == ["10.2.2.2"]
    assert client.get("/api/v1/audit-log?scope=all", headers=headers).status_code == 403
    page = client.get("/api/v1/audit-log?limit=1", headers=headers).get_json()
    assert len(page["items"]) == 1 and page["next"]
    following = client.get(f"/api/v1/audit-log?limit=1&next={page['next']}", headers=headers)
    assert following.get_json()["items"][0]["id"] != page["items"][0]["id"]
    assert session.scalar(select(AuditLog).where(AuditLog.ip == "10.3.3.3")) is not None
