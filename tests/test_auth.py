"""Signing in and out, sessions, throttling, password changes, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditLog, AuthSession, LoginAttempt
from tests.conftest import PASSWORD, csrf_from, login, post_form


def _audit(session, action: str, result: str | None = None) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.action == action)
    if result:
        stmt = stmt.where(AuditLog.result == result)
    return list(session.scalars(stmt))


def test_login_success_opens_dashboard_and_is_audited(client, make_user, session):
    make_user("alice", display_name="Alice")
    resp = login(client, "Alice")  # usernames are case-insensitive
    assert resp.status_code == 302 and resp.location == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Welcome, Alice!" in page.text
    rows = _audit(session, "login", "success")
    assert [r.username for r in rows] == ["alice"]
    assert rows[0].ip == "127.0.0.1"


def test_wrong_password_is_refused_with_message_and_audited(client, make_user, session):
    make_user("alice")
    resp = login(client, "alice", "not the password")
    assert resp.status_code == 401
    assert "Wrong username or password." in resp.text
    assert client.get("/").status_code == 302
    assert len(_audit(session, "login", "failure")) == 1


def test_login_without_csrf_token_is_refused(client, make_user, session):
    make_user("alice")
    resp = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert resp.status_code == 400
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_session_id_changes_at_login_and_logout_invalidates_cookie(client, make_user, session):
    make_user("alice")
    client.get("/login")
    before = client.get_cookie("kezek_session").value
    login(client, "alice")
    after = client.get_cookie("kezek_session").value
    assert before != after
    sids = session.scalars(select(AuthSession.id)).all()
    assert len(sids) == 1

    token = csrf_from(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert session.scalar(select(func.count(AuthSession.id))) == 0
    # Replaying the old signed-in cookie no longer works: the server-side session is gone.
    client.set_cookie("kezek_session", after)
    assert client.get("/").status_code == 302


def test_throttling_after_five_failures_for_a_username(client, make_user, session):
    make_user("alice")
    for _ in range(5):
        assert login(client, "alice", "wrong password!").status_code == 401
    resp = login(client, "alice")  # even the right password is refused now
    assert resp.status_code == 429
    assert "Too many failed sign-in attempts" in resp.text
    assert len(_audit(session, "login", "throttled")) == 1
    assert session.scalar(select(func.count(LoginAttempt.id))) == 5


def test_throttling_by_ip_across_usernames(client, make_user):
    make_user("alice")
    for i in range(5):
        login(client, f"nobody{i}", "wrong password!")
    assert login(client, "alice").status_code == 429


def test_throttle_holds_across_app_instances(app, client, make_user):
    # Two app objects (like two gunicorn workers) share the throttle through the database.
    from app import create_app
    from tests.conftest import app_config

    make_user("alice")
    for _ in range(5):
        login(client, "alice", "wrong password!")
    settings = app.config["SETTINGS"]
    other = create_app(app_config(settings.DATABASE_URL)).test_client()
    assert login(other, "alice").status_code == 429


def test_disabled_user_cannot_sign_in(client, make_user, session):
    user = make_user("alice")
    user.active = False
    session.commit()
    assert login(client, "alice").status_code == 401


def test_open_redirect_is_not_followed(client, make_user):
    make_user("alice")
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
    )
    assert resp.location == "/"


def test_next_parameter_is_followed_within_the_site(client, make_user):
    make_user("alice")
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login?next=/settings/",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
    )
    assert resp.location == "/settings/"


def test_change_password_ends_other_sessions(app, client, make_user, session):
    make_user("alice")
    other = app.test_client()
    login(other, "alice")
    login(client, "alice")
    resp = post_form(
        client,
        "/account/password",
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long secret",
            "confirm": "a new long secret",
        },
    )
    assert resp.status_code == 302
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one was signed out
    assert len(_audit(session, "password_change")) == 1
    fresh = app.test_client()
    assert login(fresh, "alice").status_code == 401
    assert login(fresh, "alice", "a new long secret").status_code == 302


def test_change_password_checks_current_and_length(logged_in):
    client, _ = logged_in
    resp = post_form(
        client,
        "/account/password",
        "/account/password",
        {
            "current_password": "wrong one!!",
            "new_password": "another secret",
            "confirm": "another secret",
        },
    )
    assert resp.status_code == 200 and "The current password is wrong." in resp.text
    resp = post_form(
        client,
        "/account/password",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert resp.status_code == 200 and "From 10 to 72 characters." in resp.text


def test_session_cookie_flags(client, make_user):
    make_user("alice")
    login(client, "alice")
    cookie = client.get_cookie("kezek_session")
    assert cookie.http_only and cookie.same_site == "Lax"
