"""API authentication: bearer tokens only, expiry, revocation, read-only, rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.models import ApiToken, User
from app.services.api_tokens import hash_token, revoke_token
from tests.api.conftest import Api
from tests.conftest import app_config, login

# Every endpoint that needs a token, with a harmless body for writes.
ENDPOINTS = [
    ("get", "/users/me", None),
    ("put", "/users/me", {"display_name": "A"}),
    ("get", "/workspaces", None),
    ("get", "/workspaces/current", None),
    ("put", "/workspaces/current", {"name": "W"}),
    ("get", "/notifications", None),
    ("post", "/notifications/read-all", None),
    ("post", "/notifications/1/read", None),
    ("get", "/accounts", None),
    ("get", "/accounts/1", None),
    ("delete", "/accounts/1", None),
    ("post", "/accounts/1/sync", None),
    ("get", "/invitations", None),
    ("post", "/invitations", {"role": "viewer"}),
    ("delete", "/invitations/1", None),
    ("get", "/me/identities", None),
    ("delete", "/me/identities/1", None),
    ("get", "/webhook-endpoints", None),
    ("post", "/webhook-endpoints", {"url": "https://h.example/", "events": ["post.failed"]}),
    ("patch", "/webhook-endpoints/1", {"active": False}),
    ("delete", "/webhook-endpoints/1", None),
    ("post", "/webhook-endpoints/1/rotate-secret", None),
    ("get", "/webhook-endpoints/1/deliveries", None),
]
WRITES = [e for e in ENDPOINTS if e[0] != "get"]


def _call(api, method, path, body):
    return getattr(api, method)(path, json=body) if body is not None else getattr(api, method)(path)


def _assert_401(resp, code):
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == code
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_missing_token_is_refused(client, alice, method, path, body):
    _assert_401(_call(Api(client, None), method, path, body), "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_wrong_token_is_refused(client, alice, make_token, method, path, body):
    real = make_token(alice)
    wrong = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    _assert_401(_call(Api(client, wrong), method, path, body), "invalid_token")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_expired_token_is_refused(client, alice, make_token, session, method, path, body):
    raw = make_token(alice, expires_in=timedelta(days=1))
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    token.expires_at = token.created_at - timedelta(seconds=1)
    session.commit()
    _assert_401(_call(Api(client, raw), method, path, body), "token_expired")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_revoked_token_is_refused(client, alice, make_token, session, method, path, body):
    raw = make_token(alice)
    revoke_token(session, session.scalar(select(ApiToken)), actor=alice)
    session.commit()
    _assert_401(_call(Api(client, raw), method, path, body), "token_revoked")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_cannot_write(client, alice, make_token, method, path, body):
    resp = _call(Api(client, make_token(alice, read_only=True)), method, path, body)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "read_only_token"


def test_a_read_only_token_can_read(client, alice, make_token):
    resp = Api(client, make_token(alice, read_only=True)).get("/users/me")
    assert resp.status_code == 200 and resp.get_json()["username"] == "alice"


@pytest.mark.parametrize(
    "header", ["Basic YWxpY2U6eA==", "Bearer", "Bearer ", "kzk_only", "Token kzk_x"]
)
def test_malformed_authorization_headers_are_refused(client, alice, header):
    resp = client.get("/api/v1/users/me", headers={"Authorization": header})
    assert resp.status_code == 401


def test_a_disabled_users_token_stops_working(api, session, alice):
    assert api.get("/users/me").status_code == 200
    session.get(User, alice.id).active = False
    session.commit()
    _assert_401(api.get("/users/me"), "invalid_token")


def test_a_signed_in_browser_cookie_does_not_authenticate_the_api(client, alice):
    assert login(client, "alice").status_code == 302
    assert client.get("/settings/").status_code == 200  # the cookie works for the dashboard
    resp = client.get("/api/v1/users/me")
    _assert_401(resp, "unauthorized")
    # A write with the cookie and no CSRF token is refused the same way (CSRF-exempt is safe).
    resp = client.put("/api/v1/users/me", json={"display_name": "Mallory"})
    _assert_401(resp, "unauthorized")


def test_tokens_are_stored_only_as_a_hash_and_look_like_kezek_tokens(api, session):
    token = session.scalar(select(ApiToken))
    assert api.token.startswith("kzk_") and not api.token.startswith(("IGAA", "EAA"))
    assert len(api.token) >= 40
    assert token.token_hash == hash_token(api.token) and api.token not in token.token_hash
    assert token.prefix == api.token[:12]


def test_use_is_remembered_on_the_token(api, session):
    assert session.scalar(select(ApiToken.last_used_at)) is None
    api.get("/users/me")
    session.expire_all()
    token = session.scalar(select(ApiToken))
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


@pytest.mark.settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_rate_limit_answers_429_with_retry_after(api):
    statuses = [api.get("/users/me").status_code for _ in range(4)]
    # The 4th call in the window is refused, unless the minute turned between calls.
    if statuses[3] == 200:
        statuses = [api.get("/users/me").status_code for _ in range(4)]
    assert 429 in statuses
    resp = api.get("/users/me")
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60


def test_the_rate_limit_is_shared_by_separate_app_processes(
    engine, database_url, alice, make_token
):
    raw = make_token(alice)
    config = {**app_config(database_url, API_RATE_LIMIT_PER_MINUTE=4), "ENGINE": engine}
    # Two apps with their own state stand for two gunicorn workers.
    workers = [create_app(dict(config)).test_client(), create_app(dict(config)).test_client()]
    statuses = []
    for i in range(10):
        resp = Api(workers[i % 2], raw).get("/users/me")
        statuses.append(resp.status_code)
    # 4 allowed per window across both workers; a minute boundary may allow 4 more at most.
    assert statuses.count(200) <= 8 and statuses.count(429) >= 2


def test_errors_are_in_the_token_users_language(api, session, alice):
    session.get(User, alice.id).locale = "ru"
    session.commit()
    resp = api.get("/no-such-thing")
    assert resp.status_code == 404  # routing errors answer before the token is read
    resp = api.post("/notifications/999999/read")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == "Не найдено."
