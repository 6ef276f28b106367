"""Sign-in with Yandex (fake over HTTP): code flow with state and PKCE, then /info."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from app.models import AuditLog, AuthSession, Identity, Membership, User
from tests.conftest import post_form
from tests.identity.conftest import create_invitation, local, oauth_round_trip


def test_invited_person_joins_with_yandex_then_signs_in(logged_in, providers, session):
    client, alice = logged_in
    link = create_invitation(client, role="viewer")
    post_form(client, "/settings/", "/logout", {})
    resp, _cb = oauth_round_trip(client, link.replace("/invite?", "/invite/with/yandex?"))
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    ident = session.scalar(select(Identity))
    assert (ident.provider, ident.provider_user_id) == ("yandex", "y-555")
    assert (ident.display_name, ident.email) == ("Erlan", "erlan@yandex.test")
    erlan = session.get(User, ident.user_id)
    assert erlan.username == "erlan.s" and not erlan.has_password
    member = session.scalar(select(Membership).where(Membership.user_id == erlan.id))
    assert (member.workspace_id, member.role) == (alice.memberships[0].workspace_id, "viewer")
    auth_req = providers.yandex.authorize_requests[-1]
    assert auth_req["code_challenge_method"] == "S256" and auth_req["state"]

    post_form(client, "/settings/", "/logout", {})
    resp, _cb = oauth_round_trip(client, "/signin/yandex")
    assert resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    rows = session.scalars(
        select(AuditLog).where(AuditLog.action == "login", AuditLog.user_id == erlan.id)
    ).all()
    assert [(r.result, r.detail) for r in rows] == [("success", {"method": "yandex"})]


def test_unknown_yandex_account_without_invitation_is_refused(client, providers, session):
    resp, _cb = oauth_round_trip(client, "/signin/yandex")
    assert resp.headers["Location"] == "/login"
    assert session.scalar(select(func.count(User.id))) == 0
    assert session.scalar(select(func.count(Identity.id))) == 0


def test_yandex_wrong_state_and_replayed_code_are_refused(client, providers, make_user, session):
    user = make_user("erlan")
    session.add(Identity(user_id=user.id, provider="yandex", provider_user_id="y-555"))
    session.commit()
    resp, callback = oauth_round_trip(client, "/signin/yandex")
    assert resp.headers["Location"] == "/"
    post_form(client, "/settings/", "/logout", {})
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # Forged state.
    client.get("/signin/yandex")
    resp = client.get(f"/signin/yandex/callback?code={code}&state=forged")
    assert resp.headers["Location"] == "/login"
    # Replayed code with a genuine state.
    start = client.get("/signin/yandex")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    resp = client.get(local(f"/signin/yandex/callback?code={code}&state={state}"))
    assert resp.headers["Location"] == "/login"
    assert session.scalar(select(func.count(AuthSession.id))) == 0
