"""Owners invite people with a role; the link works once, for 7 days; joining with a password."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import AuditLog, AuthSession, Invitation, Membership, User, utcnow
from app.services.invitations import hash_token
from tests.conftest import PASSWORD, csrf_from, login, post_form
from tests.identity.conftest import create_invitation


def _accept_with_password(client, link: str, username: str = "bolat", password=PASSWORD):
    token = csrf_from(client.get(link).text)
    return client.post(
        link,
        data={
            "csrf_token": token,
            "username": username,
            "password": password,
            "confirm": password,
        },
    )


def _logout(client):
    post_form(client, "/settings/", "/logout", {})


def test_owner_creates_invitation_shown_once_and_only_its_hash_is_stored(logged_in, session):
    client, alice = logged_in
    link = create_invitation(client, role="viewer", email="bolat@example.com")
    token = link.split("token=", 1)[1]
    inv = session.scalar(select(Invitation))
    assert inv.token_hash == hash_token(token) and token not in inv.token_hash
    assert inv.role == "viewer" and inv.email == "bolat@example.com"
    assert inv.invited_by == alice.id
    assert timedelta(days=6, hours=23) < inv.expires_at - inv.created_at <= timedelta(days=7)
    page = client.get("/settings/invitations").text
    assert "bolat@example.com" in page and token not in page
    assert session.scalar(select(AuditLog).where(AuditLog.action == "invitation_create"))


def test_invitations_page_is_for_owners_only(client, make_user, session):
    alice = make_user("alice")
    bob = make_user("bob")
    alice_ws = alice.memberships[0].workspace_id
    session.add(Membership(user_id=bob.id, workspace_id=alice_ws, role="editor"))
    session.commit()
    login(client, "bob")
    for workspace_id, status in ((bob.memberships[0].workspace_id, 200), (alice_ws, 403)):
        with client.session_transaction() as s:
            s["workspace_id"] = workspace_id
        assert client.get("/settings/invitations").status_code == status


def test_invalid_email_is_refused(logged_in, session):
    client, _alice = logged_in
    resp = post_form(
        client,
        "/settings/invitations",
        "/settings/invitations",
        {"role": "editor", "email": "not-an-email"},
    )
    assert "Enter a valid e-mail address." in resp.text
    assert session.scalar(select(Invitation)) is None


def test_accept_with_password_creates_user_joins_and_signs_in(logged_in, session, app):
    client, alice = logged_in
    link = create_invitation(client, role="editor")
    _logout(client)
    page = client.get(link)
    assert page.status_code == 200 and "Join alice" in page.text
    resp = _accept_with_password(client, link, username="Bolat")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")
    bolat = session.scalar(select(User).where(User.username == "bolat"))
    assert bolat.has_password
    roles = {
        m.workspace_id: m.role
        for m in session.scalars(select(Membership).where(Membership.user_id == bolat.id))
    }
    assert roles == {alice.memberships[0].workspace_id: "editor"}  # no workspace of his own
    inv = session.scalar(select(Invitation))
    assert inv.accepted_at is not None and inv.accepted_by == bolat.id
    assert session.scalar(select(AuthSession).where(AuthSession.user_id == bolat.id))
    assert client.get("/").status_code == 200
    accepted = session.scalar(select(AuditLog).where(AuditLog.action == "invitation_accept"))
    assert accepted.user_id == bolat.id and accepted.workspace_id == inv.workspace_id
    # The password works for later sign-ins too.
    _logout(client)
    assert login(client, "bolat").status_code == 302


def test_reused_invitation_is_refused(logged_in, session):
    client, _alice = logged_in
    link = create_invitation(client)
    _logout(client)
    assert _accept_with_password(client, link, username="bolat").status_code == 302
    _logout(client)
    resp = client.get(link)
    assert resp.status_code == 410 and "already been used" in resp.text
    assert session.scalar(select(User).where(User.username == "dana")) is None


def test_expired_invitation_is_refused(logged_in, session):
    client, _alice = logged_in
    link = create_invitation(client)
    inv = session.scalar(select(Invitation))
    inv.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    _logout(client)
    resp = client.get(link)
    assert resp.status_code == 410 and "expired" in resp.text
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        link,
        data={"csrf_token": token, "username": "late", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert resp.status_code == 410
    assert session.scalar(select(User).where(User.username == "late")) is None


def test_revoked_invitation_link_no_longer_works(logged_in, session):
    client, _alice = logged_in
    link = create_invitation(client)
    inv = session.scalar(select(Invitation))
    resp = post_form(client, "/settings/invitations", f"/settings/invitations/{inv.id}/revoke", {})
    assert resp.status_code == 302
    assert session.scalar(select(Invitation)) is None
    assert client.get(link).status_code == 404


def test_revoking_another_workspaces_invitation_is_404(logged_in, make_user, session):
    owner_client, _alice = logged_in
    create_invitation(owner_client)
    inv = session.scalar(select(Invitation))
    make_user("mallory")
    mallory = owner_client.application.test_client()
    login(mallory, "mallory")
    url = f"/settings/invitations/{inv.id}/revoke"
    assert post_form(mallory, "/settings/invitations", url, {}).status_code == 404
    assert session.scalar(select(Invitation)) is not None


def test_taken_username_and_short_password_are_form_errors(logged_in, session):
    client, _alice = logged_in
    link = create_invitation(client)
    _logout(client)
    resp = _accept_with_password(client, link, username="alice")
    assert "This username is already taken." in resp.text
    resp = _accept_with_password(client, link, username="bolat", password="short")
    assert "From 10 to 72 characters." in resp.text
    assert session.scalar(select(Invitation)).accepted_at is None


def test_signed_in_user_joins_with_current_account(logged_in, make_user, session):
    client, alice = logged_in
    link = create_invitation(client, role="viewer")
    _logout(client)
    bob = make_user("bob")
    login(client, "bob")
    page = client.get(link)
    assert "Join as bob" in page.text
    resp = post_form(client, link, link.replace("/invite?", "/invite/join?"), {})
    assert resp.status_code == 302
    member = session.scalar(
        select(Membership).where(
            Membership.user_id == bob.id,
            Membership.workspace_id == alice.memberships[0].workspace_id,
        )
    )
    assert member is not None and member.role == "viewer"
