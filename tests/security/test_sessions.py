"""Sign-in sessions: a fresh id at sign-in, a dead cookie after sign-out, cookie flags."""

from __future__ import annotations

from sqlalchemy import select

from app import create_app
from app.models import AuthSession
from tests.conftest import PASSWORD, app_config, csrf_from, login


def _cookie(client) -> str:
    cookie = client.get_cookie("kezek_session")
    return cookie.value if cookie else ""


def _session_data(app, value: str) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(value) if value else {}


def test_sign_in_replaces_the_session(app, client, make_user, session):
    """Fixation: a cookie planted before sign-in is not the signed-in session."""
    make_user("alice")
    client.get("/login")
    planted = _cookie(client)
    assert planted and "_user_id" not in _session_data(app, planted)
    assert login(client, "alice").status_code == 302
    signed_in = _cookie(client)
    assert signed_in != planted
    sid = _session_data(app, signed_in)["_user_id"]
    assert session.get(AuthSession, sid) is not None
    # The attacker's copy of the pre-sign-in cookie is still a stranger.
    attacker = app.test_client()
    attacker.set_cookie("kezek_session", planted)
    resp = attacker.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    # Each sign-in gets its own id, never one derived from the browser's earlier cookie.
    second = app.test_client()
    second.set_cookie("kezek_session", planted)
    assert login(second, "alice").status_code == 302
    assert _session_data(app, _cookie(second))["_user_id"] not in (sid, "")


def test_sign_out_kills_the_old_cookie(app, client, make_user, session):
    make_user("alice")
    login(client, "alice")
    old = _cookie(client)
    sid = _session_data(app, old)["_user_id"]
    assert client.get("/").status_code == 200
    token = csrf_from(client.get("/settings/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.scalar(select(AuthSession).where(AuthSession.id == sid)) is None
    # Someone who kept a copy of the cookie gets nothing with it.
    thief = app.test_client()
    thief.set_cookie("kezek_session", old)
    resp = thief.get("/settings/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    api = thief.get("/api/v1/users/me")
    assert api.status_code == 401


def test_cookie_flags_in_production(engine, database_url, make_user):
    make_user("alice")
    prod = create_app(
        {
            **app_config(
                database_url,
                KEZEK_ENV="production",
                PUBLIC_BASE_URL="https://kezek.example.com",
                INSTAGRAM_APP_ID="prod-app",
                INSTAGRAM_APP_SECRET="prod-secret-for-tests",
            ),
            "ENGINE": engine,
        }
    )
    client = prod.test_client()
    base = "https://kezek.example.com"
    page = client.get("/login", base_url=base)
    anon_cookie = page.headers.get("Set-Cookie", "")
    token = csrf_from(page.text)
    resp = client.post(
        "/login",
        base_url=base,
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
        headers={"Referer": f"{base}/login"},
    )
    assert resp.status_code == 302, resp.text
    for set_cookie in (anon_cookie, resp.headers["Set-Cookie"]):
        assert set_cookie.startswith("kezek_session=")
        attrs = {a.strip().split("=")[0].lower(): a for a in set_cookie.split(";")[1:]}
        assert "secure" in attrs and "httponly" in attrs, set_cookie
        assert attrs["samesite"].strip().lower() == "samesite=lax", set_cookie
