"""Webhook endpoints in the API (/api/v1/webhook-endpoints) and the Automations -> Webhooks
pages: CRUD, the secret shown once, rotation, test events, the delivery log, retries, roles,
other workspaces and CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import AuditLog, Role, WebhookDelivery, WebhookEndpoint, Workspace
from app.services.outgoing_webhooks import emit
from app.services.workspaces import add_member
from tests.api.conftest import Api
from tests.automations.webhook_receiver import deliver, deliveries, receiver
from tests.conftest import csrf_from, login, post_form

__all__ = ["receiver"]

EVENTS = ["post.published", "comment.received"]


@pytest.fixture
def alice_api(client, make_user, make_token):
    alice = make_user("alice")
    return Api(client, make_token(alice)), alice


def test_endpoints_crud_secret_once_rotation_and_deliveries(alice_api, app, session, receiver):
    api, alice = alice_api
    created = api.post(
        "/webhook-endpoints",
        json={"url": f"{receiver.url}/api", "events": EVENTS, "description": "CRM"},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    secret = body.pop("secret")
    assert secret.startswith("whsec_")
    assert body["events"] == EVENTS and body["active"] is True and body["description"] == "CRM"
    ep_id = body["id"]
    # Never again: not in the list, not in one endpoint.
    listed = api.get("/webhook-endpoints").get_json()
    assert [e["id"] for e in listed["items"]] == [ep_id] and listed["next"] is None
    assert "secret" not in listed["items"][0]
    one = api.get(f"/webhook-endpoints/{ep_id}").get_json()
    assert "secret" not in one and secret not in str(one)

    changed = api.patch(f"/webhook-endpoints/{ep_id}", json={"events": ["post.failed"]})
    assert changed.status_code == 200 and changed.get_json()["events"] == ["post.failed"]
    assert changed.get_json()["url"] == f"{receiver.url}/api"  # omitted fields stay

    # A test event, sent by the worker, shows in the paged delivery log, newest first.
    assert api.post(f"/webhook-endpoints/{ep_id}/test").status_code == 202
    emit(session, alice.memberships[0].workspace_id, "post.failed", {"post_id": "9"})
    session.commit()
    deliver(app)
    page = api.get(f"/webhook-endpoints/{ep_id}/deliveries?limit=1").get_json()
    assert [d["event_type"] for d in page["items"]] == ["post.failed"]
    assert page["items"][0]["status"] == "delivered" and page["items"][0]["response_code"] == 200
    rest = api.get(f"/webhook-endpoints/{ep_id}/deliveries?limit=1&next={page['next']}")
    assert [d["event_type"] for d in rest.get_json()["items"]] == ["ping"]
    assert all(h.verifies(secret) for h in receiver.hits)

    rotated = api.post(f"/webhook-endpoints/{ep_id}/rotate-secret").get_json()
    assert rotated["secret"] != secret and rotated["id"] == ep_id
    api.post(f"/webhook-endpoints/{ep_id}/test")
    deliver(app)
    assert receiver.hits[-1].verifies(rotated["secret"])
    assert not receiver.hits[-1].verifies(secret)

    # Retrying: only failed deliveries.
    delivered_id = page["items"][0]["id"]
    conflict = api.post(f"/webhook-endpoints/{ep_id}/deliveries/{delivered_id}/retry")
    assert conflict.status_code == 409
    row = session.get(WebhookDelivery, int(delivered_id))
    row.status = "failed"
    session.commit()
    retried = api.post(f"/webhook-endpoints/{ep_id}/deliveries/{delivered_id}/retry")
    assert retried.status_code == 202 and retried.get_json()["status"] == "pending"

    assert api.delete(f"/webhook-endpoints/{ep_id}").status_code == 204
    assert api.get(f"/webhook-endpoints/{ep_id}").status_code == 404
    assert deliveries(session) == []  # the log goes with it
    actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("webhook%")))
    assert sorted(actions) == [
        "webhook_endpoint_create",
        "webhook_endpoint_delete",
        "webhook_secret_rotate",
    ]
    # Secrets never reach the audit log.
    details = " ".join(str(d) for d in session.scalars(select(AuditLog.detail)))
    assert secret not in details and rotated["secret"] not in details


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "ftp://example.com/x", "events": EVENTS}, "url", "string_pattern_mismatch"),
        ({"url": "https://user:pw@example.com/", "events": EVENTS}, "url", "url_invalid"),
        ({"url": "https://example.com:0/", "events": EVENTS}, "url", "url_invalid"),
        ({"url": "https://example.com/", "events": []}, "events", "too_short"),
        ({"url": "https://example.com/", "events": ["post.deleted"]}, "events.0", "literal_error"),
        ({"url": "https://example.com/", "events": EVENTS, "secret": "mine"}, "secret", None),
    ],
)
def test_bad_input_is_refused_with_field_errors(alice_api, session, body, field, code):
    api, _ = alice_api
    res = api.post("/webhook-endpoints", json=body)
    assert res.status_code == 422
    fields = res.get_json()["error"]["fields"]
    assert any(f["field"] == field and (code is None or f["code"] == code) for f in fields)
    assert session.scalars(select(WebhookEndpoint)).all() == []


def test_other_workspaces_and_roles(alice_api, client, make_user, make_token, session):
    api, alice = alice_api
    bob = make_user("bob")
    bob_api = Api(client, make_token(bob))
    ep = bob_api.post(
        "/webhook-endpoints", json={"url": "https://hooks.example/bob", "events": EVENTS}
    ).get_json()
    for call in (
        api.get(f"/webhook-endpoints/{ep['id']}"),
        api.patch(f"/webhook-endpoints/{ep['id']}", json={"active": False}),
        api.post(f"/webhook-endpoints/{ep['id']}/rotate-secret"),
        api.get(f"/webhook-endpoints/{ep['id']}/deliveries"),
        api.delete(f"/webhook-endpoints/{ep['id']}"),
    ):
        assert call.status_code == 404
    assert api.get("/webhook-endpoints").get_json()["items"] == []
    assert session.get(WebhookEndpoint, int(ep["id"])).active is True

    # A viewer of Bob's workspace reads, but cannot change or see a secret.
    add_member(session, session.get(Workspace, bob.memberships[0].workspace_id), alice, Role.VIEWER)
    session.commit()
    viewer = Api(client, make_token(alice), workspace_id=bob.memberships[0].workspace_id)
    assert viewer.get(f"/webhook-endpoints/{ep['id']}").status_code == 200
    assert viewer.post(f"/webhook-endpoints/{ep['id']}/rotate-secret").status_code == 403
    assert (
        viewer.post(
            "/webhook-endpoints", json={"url": "https://a.example/", "events": EVENTS}
        ).status_code
        == 403
    )
    read_only = Api(client, make_token(bob, read_only=True))
    assert read_only.delete(f"/webhook-endpoints/{ep['id']}").status_code == 403


def test_pages_add_show_the_secret_once_test_rotate_retry_and_delete(
    app, client, make_user, session, receiver
):
    make_user("alice")
    login(client, "alice")
    assert client.get("/automations/webhooks").status_code == 200
    res = post_form(
        client,
        "/automations/webhooks",
        "/automations/webhooks",
        {"url": f"{receiver.url}/ui", "description": "Склад", "events": EVENTS, "active": "y"},
    )
    assert res.status_code == 200
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', res.text).group(1)
    ep = session.scalar(select(WebhookEndpoint))
    assert ep.events == EVENTS and ep.description == "Склад"
    page = f"/automations/webhooks/{ep.id}"
    html = client.get(page).text
    assert secret not in html and secret not in client.get("/automations/webhooks").text

    assert post_form(client, page, f"{page}/test", {}).status_code == 302
    receiver.script["/ui"] = [500]
    deliver(app)
    row = deliveries(session)[0]
    row.status, row.attempts = "failed", 8  # as if it had used up every attempt
    session.commit()
    html = client.get(page).text
    assert "Test event" in html and "answered HTTP 500" in html and "Retry" in html
    post_form(client, page, f"{page}/deliveries/{row.id}/retry", {})
    deliver(app)
    assert deliveries(session)[0].status == "delivered"
    assert receiver.hits[-1].verifies(secret)

    rotated = post_form(client, page, f"{page}/rotate", {})
    new = re.search(r'id="webhook-secret">(whsec_[^<]+)<', rotated.text).group(1)
    assert new != secret

    # Edit: switch it off, with a bad URL first (a clear error, nothing changed).
    bad = post_form(client, page, page, {"url": "gopher://x", "events": EVENTS})
    assert "Enter a full http(s) URL" in bad.text
    post_form(client, page, page, {"url": f"{receiver.url}/ui2", "events": ["post.failed"]})
    session.expire_all()
    ep = session.get(WebhookEndpoint, ep.id)
    assert (ep.url, ep.events, ep.active) == (f"{receiver.url}/ui2", ["post.failed"], False)

    assert post_form(client, page, f"{page}/delete", {}).status_code == 302
    assert client.get(page).status_code == 404


def test_forms_need_csrf_viewers_only_read_and_other_workspaces_are_404(
    client, make_user, session, app
):
    olga = make_user("olga")
    ws_id = olga.memberships[0].workspace_id
    from app.services.outgoing_webhooks.endpoints import create_endpoint

    ep, _ = create_endpoint(
        session, app.config["SETTINGS"], ws_id, url="https://hooks.example/o", events=EVENTS
    )
    session.commit()
    login(client, "olga")
    no_token = client.post(f"/automations/webhooks/{ep.id}/delete")
    assert no_token.status_code == 400
    assert (
        client.post("/automations/webhooks", data={"url": "https://x.example/"}).status_code == 400
    )
    assert session.get(WebhookEndpoint, ep.id) is not None

    vera = make_user("vera")
    client = app.test_client()
    login(client, "vera")
    assert client.get(f"/automations/webhooks/{ep.id}").status_code == 404  # not her workspace
    add_member(session, session.get(Workspace, ws_id), vera, Role.VIEWER)
    session.commit()
    token = csrf_from(client.get("/").text)
    client.post(f"/workspaces/{ws_id}/switch", data={"csrf_token": token, "next": "/"})
    html = client.get(f"/automations/webhooks/{ep.id}").text
    assert "hooks.example/o" in html and 'id="webhook-form"' not in html
    assert 'id="webhook-form"' not in client.get("/automations/webhooks").text
    token = csrf_from(client.get("/automations/webhooks").text)
    for url in ("rotate", "test", "delete"):
        res = client.post(f"/automations/webhooks/{ep.id}/{url}", data={"csrf_token": token})
        assert res.status_code == 403
    assert session.get(WebhookEndpoint, ep.id) is not None


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_the_pages_are_translated(client, make_user, session, locale):
    user = make_user("alice")
    user.locale = locale
    session.merge(user)
    session.commit()
    login(client, "alice")
    html = client.get("/automations/webhooks").text
    assert "No webhook endpoints yet." not in html and "Events" not in html
