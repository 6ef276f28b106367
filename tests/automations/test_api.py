"""/api/v1 automations: rules, flows, contacts and fields with the API's conventions."""

from __future__ import annotations

import pytest

from app.models import InstagramAccount
from app.services.automations import contacts as contacts_service
from tests.api.conftest import Api

RULE = {
    "name": "Цена",
    "trigger": "comment",
    "keywords": ["цена", "бағасы"],
    "actions": [
        {"type": "public_reply", "config": {"variants": ["В директе!"]}},
        {"type": "private_reply", "config": {"text": "Прайс"}},
    ],
}
FLOW = {
    "name": "Меню",
    "steps": [
        {"kind": "question", "text": "Что?", "buttons": [{"title": "Цены", "next": 2}]},
        {"kind": "text", "text": "Абая 10"},
    ],
}


@pytest.fixture
def alice_api(client, make_user, make_token):
    alice = make_user("alice")
    return Api(client, make_token(alice)), alice


def test_rules_crud_and_log(alice_api):
    api, _ = alice_api
    created = api.post("/automations/rules", json=RULE)
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()
    assert rule["keywords"] == ["цена", "бағасы"] and rule["cooldown_minutes"] == 1440
    assert [a["type"] for a in rule["actions"]] == ["public_reply", "private_reply"]
    assert api.get(f"/automations/rules/{rule['id']}").get_json()["name"] == "Цена"
    listing = api.get("/automations/rules?limit=1").get_json()
    assert [r["id"] for r in listing["items"]] == [rule["id"]] and listing["next"] is None
    changed = api.put(
        f"/automations/rules/{rule['id']}", json={"enabled": False, "cooldown_minutes": 5}
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["enabled"] is False and body["cooldown_minutes"] == 5 and body["name"] == "Цена"
    log = api.get(f"/automations/rules/{rule['id']}/log").get_json()
    assert log == {"items": [], "next": None}
    assert api.delete(f"/automations/rules/{rule['id']}").status_code == 204
    assert api.get(f"/automations/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**RULE, "keywords": []}, "keywords", "keywords_empty"),
        ({**RULE, "trigger": "dm"}, "public_reply", "action_comment_only"),
        ({**RULE, "actions": [{"type": "teleport", "config": {}}]}, "actions", "action_unknown"),
        ({**RULE, "actions": []}, "actions", "too_short"),
        ({**RULE, "trigger": "email"}, "trigger", "literal_error"),
        ({**RULE, "cooldown_minutes": -1}, "cooldown_minutes", "greater_than_equal"),
        ({**RULE, "account_id": "999"}, "account_id", "account_missing"),
        ({**RULE, "surprise": 1}, "surprise", "extra_forbidden"),
    ],
)
def test_invalid_rules_are_422(alice_api, body, field, code):
    api, _ = alice_api
    resp = api.post("/automations/rules", json=body)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert any(f["field"].startswith(field) and f["code"] == code for f in fields), fields


def test_flows_crud_with_button_payloads(alice_api):
    api, _ = alice_api
    flow = api.post("/automations/flows", json=FLOW).get_json()
    button = flow["steps"][0]["buttons"][0]
    assert button == {"title": "Цены", "payload": f"KZ:{flow['id']}:1:0", "next": 2}
    assert flow["stats"] == {
        "started": 0,
        "delivered": 0,
        "clicked": 0,
        "clicks": 0,
        "completed": 0,
        "timed_out": 0,
        "failed": 0,
        "waiting": 0,
    }
    rule = api.post(
        "/automations/rules",
        json={
            **RULE,
            "trigger": "dm",
            "actions": [{"type": "start_flow", "config": {"flow_id": int(flow["id"])}}],
        },
    )
    assert rule.status_code == 201
    bad = api.put(
        f"/automations/flows/{flow['id']}",
        json={"name": "X", "steps": [{"kind": "text", "text": "a", "next": 7}]},
    )
    assert bad.status_code == 422
    renamed = api.put(f"/automations/flows/{flow['id']}", json={**FLOW, "name": "Меню 2"})
    assert renamed.get_json()["name"] == "Меню 2"
    kept = api.put(f"/automations/flows/{flow['id']}", json={"name": "Меню 3"}).get_json()
    assert kept["name"] == "Меню 3" and kept["steps"] == renamed.get_json()["steps"]
    assert len(api.get("/automations/flows").get_json()["items"]) == 1
    assert api.delete(f"/automations/flows/{flow['id']}").status_code == 204


def test_contacts_tags_and_fields(alice_api, session):
    api, alice = alice_api
    ws_id = alice.memberships[0].workspace_id
    account = InstagramAccount(workspace_id=ws_id, ig_user_id="178", username="a")
    session.add(account)
    session.flush()
    contact, _ = contacts_service.touch_contact(session, account, "61000", "ainur")
    session.commit()
    field = api.post("/contact-fields", json={"key": "phone", "name": "Phone"})
    assert field.status_code == 201
    again = api.post("/contact-fields", json={"key": "phone", "name": "Phone"})
    assert again.status_code == 422
    assert [f["key"] for f in api.get("/contact-fields").get_json()["items"]] == ["phone"]
    resp = api.put(
        f"/contacts/{contact.id}",
        json={"tags": ["vip", "hot"], "fields": {"phone": "+77011234567"}},
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert sorted(body["tags"]) == ["hot", "vip"] and body["fields"] == {"phone": "+77011234567"}
    assert api.put(f"/contacts/{contact.id}", json={"fields": {"nope": "1"}}).status_code == 422
    items = api.get("/contacts?tag=vip").get_json()["items"]
    assert [c["username"] for c in items] == ["ainur"]
    assert api.get("/contacts?tag=none").get_json()["items"] == []
    assert api.get("/contacts?q=ain").get_json()["items"][0]["igsid"] == "61000"


def test_auth_read_only_and_other_workspaces(client, make_user, make_token, session):
    alice, bob = make_user("alice"), make_user("bob")
    mine = Api(client, make_token(alice))
    rule = mine.post("/automations/rules", json=RULE).get_json()
    flow = mine.post("/automations/flows", json=FLOW).get_json()
    anonymous = Api(client, None)
    for path in ("/automations/rules", "/automations/flows", "/contacts", "/contact-fields"):
        assert anonymous.get(path).status_code == 401
    read_only = Api(client, make_token(alice, read_only=True))
    assert read_only.get(f"/automations/rules/{rule['id']}").status_code == 200
    for method, path, body in [
        ("post", "/automations/rules", RULE),
        ("put", f"/automations/rules/{rule['id']}", {"enabled": False}),
        ("delete", f"/automations/rules/{rule['id']}", None),
        ("post", "/automations/flows", FLOW),
        ("delete", f"/automations/flows/{flow['id']}", None),
        ("post", "/contact-fields", {"key": "x", "name": "x"}),
    ]:
        resp = (
            getattr(read_only, method)(path, json=body)
            if body
            else getattr(read_only, method)(path)
        )
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "read_only_token"
    theirs = Api(client, make_token(bob))
    for path in (
        f"/automations/rules/{rule['id']}",
        f"/automations/rules/{rule['id']}/log",
        f"/automations/flows/{flow['id']}",
    ):
        assert theirs.get(path).status_code == 404
    assert theirs.delete(f"/automations/rules/{rule['id']}").status_code == 404
    assert theirs.get("/automations/rules").get_json()["items"] == []
    # A flow of another workspace cannot be started by a rule here.
    resp = theirs.post(
        "/automations/rules",
        json={
            **RULE,
            "trigger": "dm",
            "actions": [{"type": "start_flow", "config": {"flow_id": int(flow["id"])}}],
        },
    )
    assert resp.status_code == 422
