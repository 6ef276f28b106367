"""Sign-in with Google (fake over HTTP): code flow with state, PKCE and a verified ID token."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.models import AuditLog, AuthSession, Identity, Membership, User
from tests.conftest import login, post_form
from tests.identity.conftest import create_invitation, local, oauth_round_trip


def _logout(client):
    post_form(client, "/settings/", "/logout", {})


def _join_with_google(client, providers, link: str):
    resp, _cb = oauth_round_trip(client, link.replace("/invite?", "/invite/with/google?"))
    assert resp.status_code == 302, resp.text
    return resp


def test_login_page_shows_buttons_only_for_enabled_providers(client, app, providers):
    page = client.get("/login").text
    assert 'id="signin-google"' in page and 'id="signin-yandex"' in page
    assert "data-telegram-login" in page
    app.config["SETTINGS"].GOOGLE_CLIENT_ID = ""
    app.config["SETTINGS"].TELEGRAM_LOGIN_BOT_TOKEN = ""
    page = client.get("/login").text
    assert 'id="signin-google"' not in page and "data-telegram-login" not in page
    assert 'id="signin-yandex"' in page
    assert client.get("/signin/google").status_code == 404


def test_invited_person_joins_with_google_then_signs_in_again(logged_in, providers, session):
    client, alice = logged_in
    link = create_invitation(client, role="editor")
    _logout(client)
    resp = _join_with_google(client, providers, link)
    assert resp.headers["Location"] == "/"
    ident = session.scalar(select(Identity))
    assert (ident.provider, ident.provider_user_id) == ("google", "g-1001")
    assert (ident.display_name, ident.email) == ("Dana Abenova", "dana@example.com")
    dana = session.get(User, ident.user_id)
    assert dana.username == "dana" and not dana.has_password
    member = session.scalar(select(Membership).where(Membership.user_id == dana.id))
    assert (member.workspace_id, member.role) == (alice.memberships[0].workspace_id, "editor")
    assert client.get("/").status_code == 200

    # The authorization request carried state, PKCE S256 and a nonce; the token request
    # sent the verifier.
    auth_req = providers.google.authorize_requests[-1]
    assert auth_req["state"] and auth_req["nonce"] and auth_req["code_challenge_method"] == "S256"
    assert providers.google.token_requests[-1]["code_verifier"]

    # Next time the same Google account signs in directly, through a fresh session.
    _logout(client)
    with client.session_transaction() as s:
        s["left_over"] = "from before sign-in"
    resp, _cb = oauth_round_trip(client, "/signin/google")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    with client.session_transaction() as s:
        assert "left_over" not in s
    assert (
        session.scalar(select(func.count(AuthSession.id)).where(AuthSession.user_id == dana.id))
        == 1
    )
    logins = session.scalars(
        select(AuditLog).where(AuditLog.action == "login", AuditLog.user_id == dana.id)
    ).all()
    assert [(r.result, r.detail) for r in logins] == [("success", {"method": "google"})]


def test_unknown_google_account_without_invitation_is_refused(client, providers, session):
    resp, _cb = oauth_round_trip(client, "/signin/google")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    page = client.get("/login").text
    assert "Ask a workspace owner for an invitation" in page
    assert session.scalar(select(func.count(User.id))) == 0
    assert session.scalar(select(func.count(AuthSession.id))) == 0
    row = session.scalar(select(AuditLog).where(AuditLog.action == "login"))
    assert (row.result, row.detail) == ("failure", {"method": "google"})
    assert client.get("/").status_code == 302  # still signed out


def _linked_user(make_user, session):
    user = make_user("dana")
    session.add(Identity(user_id=user.id, provider="google", provider_user_id="g-1001"))
    session.commit()
    return user


def test_wrong_state_is_refused(client, providers, make_user, session):
    _linked_user(make_user, session)
    resp = client.get("/signin/google")
    at_provider = urlsplit(resp.headers["Location"])
    back = requests.get(resp.headers["Location"], allow_redirects=False, timeout=10)
    callback = back.headers["Location"]
    state = parse_qs(at_provider.query)["state"][0]
    forged = local(callback).replace(f"state={state}", "state=forged-state")
    resp = client.get(forged)
    assert resp.headers["Location"] == "/login"
    assert "could not be verified" in client.get("/login").text
    assert providers.google.token_requests == []  # the code was never even exchanged
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_replayed_code_is_refused(client, providers, make_user, session):
    dana = _linked_user(make_user, session)
    resp, callback = oauth_round_trip(client, "/signin/google")
    assert resp.headers["Location"] == "/"
    _logout(client)
    # The same callback again: its state was used up.
    assert client.get(local(callback)).headers["Location"] == "/login"
    # The old code under a fresh state: the provider refuses the second exchange.
    resp = client.get("/signin/google")
    new_state = parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    resp = client.get(f"/signin/google/callback?code={code}&state={new_state}")
    assert resp.headers["Location"] == "/login"
    assert "did not confirm the sign-in" in client.get("/login").text
    successes = session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.action == "login", AuditLog.user_id == dana.id, AuditLog.result == "success"
        )
    )
    assert successes == 1
    assert session.scalar(select(func.count(AuthSession.id))) == 0


@pytest.mark.parametrize(
    "tamper",
    [
        {"aud": "someone-elses-client"},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "not-the-nonce"},
        "other-key",
    ],
    ids=["audience", "issuer", "expired", "nonce", "signature"],
)
def test_id_token_that_fails_verification_is_refused(client, providers, make_user, session, tamper):
    _linked_user(make_user, session)
    if tamper == "other-key":
        providers.google.signing_key = "attacker-key"
    else:
        providers.google.claims_override = tamper
    resp, _cb = oauth_round_trip(client, "/signin/google")
    assert resp.headers["Location"] == "/login"
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_password_users_can_still_sign_in(client, providers, make_user):
    make_user("alice")
    assert login(client, "alice").status_code == 302
