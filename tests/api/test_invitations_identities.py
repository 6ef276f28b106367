"""/api/v1/invitations (owners) and /api/v1/me/identities (own sign-in methods)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Identity, Invitation, Role, utcnow
from app.services.invitations import hash_token
from tests.api.conftest import Api
from tests.conftest import PASSWORD, csrf_from, login
from tests.identity.test_invitation_email import mailbox  # noqa: F401 - the SMTP fixture


def _audit(session, action):
    return [
        (r.result, r.detail)
        for r in session.scalars(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        )
    ]


def _local(link: str) -> str:
    return link.split("127.0.0.1:8000", 1)[1]


def test_owner_creates_an_invitation_whose_link_is_shown_once(api, alice, session, client):
    resp = api.post("/invitations", json={"role": "editor", "email": " bolat@example.com "})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["state"] == "pending" and body["role"] == "editor"
    assert body["email"] == "bolat@example.com" and body["email_sent"] is False
    assert body["invited_by"] == str(alice.id) and body["accepted_by"] is None
    assert body["link"].startswith("http://127.0.0.1:8000/invite?token=")
    token = body["link"].split("token=", 1)[1]
    inv = session.get(Invitation, int(body["id"]))
    assert inv.token_hash == hash_token(token)
    assert inv.workspace_id == alice.memberships[0].workspace_id
    assert _audit(session, "invitation_create") == [
        ("ok", {"invitation": inv.id, "role": "editor", "via": "api"})
    ]
    listed = api.get("/invitations").text
    assert body["id"] in listed and token not in listed and "link" not in listed
    # The link works: someone signed out sees the join page.
    page = client.application.test_client().get(_local(body["link"]))
    assert page.status_code == 200 and "Join alice" in page.text


def test_list_shows_pending_accepted_and_expired_newest_first_in_pages(api, session, client):
    ids = [api.post("/invitations", json={"role": "viewer"}).get_json() for _ in range(3)]
    used, expired = (session.get(Invitation, int(ids[i]["id"])) for i in (0, 1))
    used.accepted_at = utcnow()
    expired.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    first = api.get("/invitations", query_string={"limit": 2}).get_json()
    second = api.get("/invitations", query_string={"limit": 2, "next": first["next"]}).get_json()
    assert second["next"] is None
    states = [(i["id"], i["state"]) for i in first["items"] + second["items"]]
    assert states == [
        (ids[2]["id"], "pending"),
        (ids[1]["id"], "expired"),
        (ids[0]["id"], "accepted"),
    ]


def test_the_emailed_invitation_reaches_the_mailbox(api, mailbox):  # noqa: F811
    resp = api.post(
        "/invitations", json={"role": "editor", "email": "bolat@example.com", "send_email": True}
    )
    assert resp.status_code == 201 and resp.get_json()["email_sent"] is True
    [msg] = mailbox.messages
    assert msg["To"] == "bolat@example.com"
    assert resp.get_json()["link"] in msg.get_payload(decode=True).decode()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"role": "editor", "email": "not-an-email"}, "email", "email_invalid"),
        ({"role": "editor", "send_email": True}, "email", "email_required"),
        ({"role": "admin"}, "role", "enum"),
        ({"email": "a@example.com"}, "role", "missing"),
        ({"role": "viewer", "token": "x"}, "token", "extra_forbidden"),
    ],
)
def test_bad_invitation_input_is_a_422_and_creates_nothing(api, session, body, field, code):
    resp = api.post("/invitations", json=body)
    assert resp.status_code == 422, resp.text
    assert [(f["field"], f["code"]) for f in resp.get_json()["error"]["fields"]] == [(field, code)]
    assert session.scalar(select(func.count(Invitation.id))) == 0


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_owners_manage_invitations(client, make_token, alice, shared_workspace, role):
    ws = shared_workspace(role)
    member = Api(client, make_token(alice), ws.id)
    owner_api = Api(client, make_token(ws_owner(ws)), ws.id)
    inv_id = owner_api.post("/invitations", json={"role": "viewer"}).get_json()["id"]
    for resp in (
        member.get("/invitations"),
        member.post("/invitations", json={"role": "owner"}),
        member.delete(f"/invitations/{inv_id}"),
    ):
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert [i["id"] for i in owner_api.get("/invitations").get_json()["items"]] == [inv_id]


def ws_owner(ws):
    return next(m.user for m in ws.memberships if m.role == "owner")


def test_another_workspaces_invitation_is_404_and_not_listed(api, client, make_token, make_user):
    bob = make_user("bob")
    bob_api = Api(client, make_token(bob))
    theirs = bob_api.post("/invitations", json={"role": "viewer"}).get_json()["id"]
    resp = api.delete(f"/invitations/{theirs}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert api.get("/invitations").get_json()["items"] == []
    assert [i["id"] for i in bob_api.get("/invitations").get_json()["items"]] == [theirs]


def test_revoked_invitation_link_stops_working(api, session, client):
    created = api.post("/invitations", json={"role": "viewer"}).get_json()
    assert api.delete(f"/invitations/{created['id']}").status_code == 204
    assert client.application.test_client().get(_local(created["link"])).status_code == 404
    assert api.delete(f"/invitations/{created['id']}").status_code == 404
    assert api.get("/invitations").get_json()["items"] == []
    assert _audit(session, "invitation_revoke") == [
        ("ok", {"invitation": int(created["id"]), "via": "api"})
    ]


def test_a_used_invitation_cannot_be_revoked_but_an_expired_one_can(api, session, client):
    used = api.post("/invitations", json={"role": "viewer"}).get_json()
    guest = client.application.test_client()
    link = _local(used["link"])
    form = {"username": "bolat", "password": PASSWORD, "confirm": PASSWORD}
    form["csrf_token"] = csrf_from(guest.get(link).text)
    assert guest.post(link, data=form).status_code == 302
    resp = api.delete(f"/invitations/{used['id']}")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invitation_used"
    assert api.get("/invitations").get_json()["items"][0]["state"] == "accepted"

    expired = api.post("/invitations", json={"role": "viewer"}).get_json()
    session.get(Invitation, int(expired["id"])).expires_at = utcnow() - timedelta(days=1)
    session.commit()
    assert api.delete(f"/invitations/{expired['id']}").status_code == 204


def test_my_identities_list_own_methods_and_no_secrets(api, alice, make_user, session):
    bob = make_user("bob")
    session.add_all(
        [
            Identity(
                user_id=alice.id,
                provider="google",
                provider_user_id="g-1",
                display_name="Alice A",
                email="alice@example.com",
            ),
            Identity(user_id=alice.id, provider="telegram", provider_user_id="77"),
            Identity(user_id=bob.id, provider="yandex", provider_user_id="y-1"),
        ]
    )
    session.commit()
    items = api.get("/me/identities").get_json()["items"]
    assert [(i["provider"], i["provider_name"], i["display_name"], i["email"]) for i in items] == [
        ("google", "Google", "Alice A", "alice@example.com"),
        ("telegram", "Telegram", "", ""),
    ]
    assert all(i["linked_at"].endswith("Z") for i in items)
    assert set(items[0]) == {
        "id",
        "provider",
        "provider_name",
        "display_name",
        "email",
        "linked_at",
        "last_used_at",
    }
    page = api.get("/me/identities", query_string={"limit": 1}).get_json()
    assert [i["provider"] for i in page["items"]] == ["google"] and page["next"]


def test_unlinking_keeps_one_way_to_sign_in(client, make_user, make_token, session):
    dana = make_user("dana")
    dana.password_hash = None
    google = Identity(user_id=dana.id, provider="google", provider_user_id="g-1")
    tg = Identity(user_id=dana.id, provider="telegram", provider_user_id="77")
    session.add_all([google, tg])
    session.commit()
    api = Api(client, make_token(dana))
    assert api.delete(f"/me/identities/{tg.id}").status_code == 204
    resp = api.delete(f"/me/identities/{google.id}")
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "last_method" and "only way to sign in" in error["message"]
    assert [i["provider"] for i in api.get("/me/identities").get_json()["items"]] == ["google"]
    assert _audit(session, "identity_unlink") == [
        ("ok", {"method": "telegram", "via": "api"}),
        ("refused", {"method": "google", "via": "api"}),
    ]


def test_the_last_method_refusal_is_in_the_users_language(client, make_user, make_token, session):
    dana = make_user("dana")
    dana.password_hash = None
    dana.locale = "ru"
    ident = Identity(user_id=dana.id, provider="google", provider_user_id="g-1")
    session.add(ident)
    session.commit()
    resp = Api(client, make_token(dana)).delete(f"/me/identities/{ident.id}")
    assert resp.status_code == 409
    assert "единственный способ" in resp.get_json()["error"]["message"]


def test_password_users_can_unlink_every_identity(api, alice, session):
    ident = Identity(user_id=alice.id, provider="yandex", provider_user_id="y-1")
    session.add(ident)
    session.commit()
    assert api.delete(f"/me/identities/{ident.id}").status_code == 204
    assert session.scalar(select(func.count(Identity.id))) == 0
    assert login(api.client, "alice").status_code == 302  # the password still works


def test_someone_elses_identity_is_404_and_untouched(api, make_user, session):
    bob = make_user("bob")
    ident = Identity(user_id=bob.id, provider="google", provider_user_id="g-2")
    session.add(ident)
    session.commit()
    for path in (f"/me/identities/{ident.id}", "/me/identities/abc", "/me/identities/999999"):
        resp = api.delete(path)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert session.scalar(select(func.count(Identity.id))) == 1
