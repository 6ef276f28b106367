"""Settings → Sign-in methods: link, refuse someone else's identity, unlink, keep one way in."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditLog, Identity, User
from app.services import identities
from app.services.identities import Profile
from tests.conftest import PASSWORD, login, post_form
from tests.identity.conftest import (
    create_invitation,
    local,
    oauth_round_trip,
    telegram_auth_url,
    telegram_return,
)


def _link_google(client):
    assert (
        'href="/settings/sign-in-methods/link/google"'
        in client.get("/settings/sign-in-methods").text
    )
    resp, _cb = oauth_round_trip(client, "/settings/sign-in-methods/link/google")
    return resp


def _audit(session, action):
    return [
        (r.result, r.detail)
        for r in session.scalars(select(AuditLog).where(AuditLog.action == action))
    ]


def test_link_google_and_telegram_then_sign_in_with_either(logged_in, providers, session, app):
    client, alice = logged_in
    resp = _link_google(client)
    assert resp.headers["Location"] == "/settings/sign-in-methods"
    page = client.get("/settings/sign-in-methods").text
    assert "The sign-in method was linked." in page and "dana@example.com" in page
    auth_url = telegram_auth_url(page)
    resp = client.get(local(telegram_return(providers, auth_url, id="77", first_name="A")))
    assert resp.headers["Location"] == "/settings/sign-in-methods"
    rows = session.scalars(select(Identity).where(Identity.user_id == alice.id)).all()
    assert sorted((r.provider, r.provider_user_id) for r in rows) == [
        ("google", "g-1001"),
        ("telegram", "77"),
    ]
    assert _audit(session, "identity_link") == [
        ("ok", {"method": "google"}),
        ("ok", {"method": "telegram"}),
    ]
    fresh = app.test_client()
    resp, _cb = oauth_round_trip(fresh, "/signin/google")
    assert resp.headers["Location"] == "/"


def test_linking_an_identity_of_someone_else_is_refused(logged_in, providers, session, make_user):
    client, alice = logged_in
    bob = make_user("bob")
    session.add(Identity(user_id=bob.id, provider="google", provider_user_id="g-1001"))
    session.commit()
    resp = _link_google(client)
    assert resp.headers["Location"] == "/settings/sign-in-methods"
    assert "already linked to another Kezek user" in client.get("/settings/sign-in-methods").text
    owners = session.scalars(select(Identity.user_id)).all()
    assert owners == [bob.id]
    assert _audit(session, "identity_link") == [("refused", {"method": "google"})]


def test_linking_with_a_forged_state_is_refused(logged_in, providers, session):
    client, _alice = logged_in
    page = client.get("/settings/sign-in-methods").text
    auth_url = telegram_auth_url(page).replace("/telegram/", "/telegram/x")
    resp = client.get(local(telegram_return(providers, auth_url, id="77", first_name="A")))
    assert resp.headers["Location"] == "/settings/sign-in-methods"
    assert session.scalar(select(func.count(Identity.id))) == 0


def test_unlinking_the_last_method_is_refused(logged_in, providers, session, app):
    owner, _alice = logged_in
    link = create_invitation(owner)
    client = app.test_client()
    resp, _cb = oauth_round_trip(client, link.replace("/invite?", "/invite/with/google?"))
    assert resp.headers["Location"] == "/"
    ident = session.scalar(select(Identity))
    page = client.get("/settings/sign-in-methods").text
    assert "Your only way to sign in" in page
    resp = post_form(
        client, "/settings/sign-in-methods", f"/settings/sign-in-methods/{ident.id}/unlink", {}
    )
    assert (
        "You cannot remove your only way to sign in."
        in client.get("/settings/sign-in-methods").text
    )
    assert session.scalar(select(func.count(Identity.id))) == 1
    assert _audit(session, "identity_unlink") == [("refused", {"method": "google"})]

    # With a password set, the identity can go; then the password is the last method.
    resp = post_form(
        client,
        "/settings/sign-in-methods",
        "/settings/sign-in-methods/password",
        {"password": PASSWORD, "confirm": PASSWORD},
    )
    assert resp.status_code == 302
    resp = post_form(
        client, "/settings/sign-in-methods", f"/settings/sign-in-methods/{ident.id}/unlink", {}
    )
    assert session.scalar(select(func.count(Identity.id))) == 0
    assert _audit(session, "identity_unlink")[-1] == ("ok", {"method": "google"})
    dana = session.scalar(select(User).where(User.username == "dana"))
    post_form(client, "/settings/", "/logout", {})
    assert login(client, dana.username).status_code == 302


def test_unlinking_someone_elses_identity_is_404(logged_in, make_user, session):
    client, _alice = logged_in
    bob = make_user("bob")
    ident = Identity(user_id=bob.id, provider="google", provider_user_id="g-2")
    session.add(ident)
    session.commit()
    resp = post_form(
        client, "/settings/sign-in-methods", f"/settings/sign-in-methods/{ident.id}/unlink", {}
    )
    assert resp.status_code == 404
    assert session.scalar(select(func.count(Identity.id))) == 1


def test_users_without_a_password_cannot_sign_in_with_one(session, make_user):
    user = make_user("nopass")
    user.password_hash = None
    session.commit()
    identities.link(session, user, Profile("google", "g-9"), "127.0.0.1")
    assert identities.sign_in_methods(session, user) == 1
    from app.services.users import check_password

    assert not check_password(user, "")
    assert not check_password(user, PASSWORD)
