"""Settings → API tokens, the `token` CLI, the audit trail and the API reference page."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import ApiToken, AuditLog
from tests.api.conftest import Api
from tests.conftest import login, post_form

TOKEN_RE = re.compile(r'id="new-token-value">(kzk_[A-Za-z0-9_-]+)<')


def _create(client, name="deploy script", access="read_write", expires="90"):
    return post_form(
        client,
        "/settings/tokens",
        "/settings/tokens",
        {"name": name, "access": access, "expires": expires},
    )


def test_a_created_token_is_shown_once_and_works(client, alice, session):
    login(client, "alice")
    resp = _create(client)
    assert resp.status_code == 200
    raw = TOKEN_RE.search(resp.text).group(1)
    listing = client.get("/settings/tokens").text
    assert raw not in listing and "deploy script" in listing and raw[:12] in listing
    assert Api(client, raw).get("/users/me").get_json()["username"] == "alice"
    token = session.scalar(select(ApiToken))
    assert token.read_only is False and token.expires_at is not None
    row = session.scalar(select(AuditLog).where(AuditLog.action == "api_token_create"))
    assert row.user_id == alice.id and row.detail["token_id"] == token.id


def test_read_only_tokens_without_expiry_are_created_as_asked(client, alice, session):
    login(client, "alice")
    raw = TOKEN_RE.search(_create(client, access="read_only", expires="0").text).group(1)
    token = session.scalar(select(ApiToken))
    assert token.read_only is True and token.expires_at is None
    assert Api(client, raw).put("/users/me", json={"display_name": "x"}).status_code == 403


def test_the_list_shows_last_use(client, alice, session):
    login(client, "alice")
    raw = TOKEN_RE.search(_create(client).text).group(1)
    assert "127.0.0.1" not in client.get("/settings/tokens").text
    Api(client, raw).get("/users/me")
    assert "127.0.0.1" in client.get("/settings/tokens").text


def test_revoking_stops_the_token_and_is_audited(client, alice, session):
    login(client, "alice")
    raw = TOKEN_RE.search(_create(client).text).group(1)
    token_id = session.scalar(select(ApiToken.id))
    resp = post_form(client, "/settings/tokens", f"/settings/tokens/{token_id}/revoke", {})
    assert resp.status_code == 302
    assert Api(client, raw).get("/users/me").status_code == 401
    assert "Revoked" in client.get("/settings/tokens").text
    row = session.scalar(select(AuditLog).where(AuditLog.action == "api_token_revoke"))
    assert row.user_id == alice.id and row.detail == {"token_id": token_id, "name": "deploy script"}


def test_forms_without_csrf_are_refused(client, alice, session):
    login(client, "alice")
    resp = client.post(
        "/settings/tokens", data={"name": "x", "access": "read_write", "expires": "0"}
    )
    assert resp.status_code == 400 and TOKEN_RE.search(resp.text) is None
    assert session.scalar(select(ApiToken)) is None


def test_a_name_is_required(client, alice, session):
    login(client, "alice")
    resp = _create(client, name="")
    assert resp.status_code == 200 and TOKEN_RE.search(resp.text) is None
    assert session.scalar(select(ApiToken)) is None


def test_nobody_can_revoke_another_users_token(client, alice, make_user, make_token, session):
    bob = make_user("bob")
    bobs = make_token(bob)
    token_id = session.scalar(select(ApiToken.id))
    login(client, "alice")
    resp = post_form(client, "/settings/tokens", f"/settings/tokens/{token_id}/revoke", {})
    assert resp.status_code == 404
    assert Api(client, bobs).get("/users/me").status_code == 200


def test_the_cli_creates_a_token_and_prints_it_once(app, alice, session, client):
    result = app.test_cli_runner().invoke(args=["token", "create", "alice", "--read-only"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("kzk_")
    token = session.scalar(select(ApiToken))
    assert token.read_only and token.name == "cli" and raw not in token.token_hash
    api = Api(client, raw)
    assert api.get("/users/me").status_code == 200
    assert api.put("/users/me", json={"display_name": "x"}).status_code == 403
    row = session.scalar(select(AuditLog).where(AuditLog.action == "api_token_create"))
    assert row.username == "cli" and row.detail["via"] == "cli"


def test_the_cli_refuses_an_unknown_user(app, alice):
    result = app.test_cli_runner().invoke(args=["token", "create", "nobody"])
    assert result.exit_code != 0 and "nobody" in result.output


def test_the_api_reference_page_lists_every_operation(client, alice):
    login(client, "alice")
    page = client.get("/settings/api-docs")
    assert page.status_code == 200
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, methods in doc["paths"].items():
        for method in methods:
            assert f"{method.upper()}</span> {path}" in page.text
    assert "<script" not in page.text.split("<main", 1)[1]
