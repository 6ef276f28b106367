"""Dashboard pages: rule editor, flow editor, contacts (filter, CSV, tags, fields), roles and
workspaces."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import (
    AutomationFlow,
    AutomationRule,
    Contact,
    InstagramAccount,
    Role,
    Workspace,
)
from app.services.automations import contacts as contacts_service
from app.services.automations.definitions import RuleData, save_rule
from app.services.workspaces import add_member
from tests.conftest import csrf_from, login


@pytest.fixture
def ws(logged_in, session):
    client, user = logged_in
    ws_id = user.memberships[0].workspace_id
    account = InstagramAccount(
        workspace_id=ws_id, ig_user_id="17841400000000001", username="aruzhan.coffee"
    )
    session.add(account)
    session.commit()
    return client, ws_id, account


def post(client, page, url, data):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page).text), **data})


def test_nav_and_empty_pages(ws):
    client, _, _ = ws
    page = client.get("/automations/")
    assert page.status_code == 200 and 'href="/automations/"' in page.text
    for url in (
        "/automations/flows",
        "/automations/contacts",
        "/automations/fields",
        "/automations/rules/new",
        "/automations/flows/new",
    ):
        assert client.get(url).status_code == 200, url


def test_creating_a_rule_in_the_editor(ws, session):
    client, ws_id, account = ws
    resp = post(
        client,
        "/automations/rules/new",
        "/automations/rules/new",
        {
            "name": "Цена",
            "enabled": "y",
            "trigger": "comment",
            "account_id": str(account.id),
            "all_posts": "1",
            "match_mode": "any",
            "keywords": "цена, прайс\nбағасы",
            "whole_word": "y",
            "cooldown_minutes": "60",
            "public_reply": "Ответили в директ\nНаписали вам",
            "private_reply": "Прайс: ...",
            "add_tags": "price, hot",
            "notify": "y",
        },
    )
    assert resp.status_code == 302
    rule = session.scalar(select(AutomationRule))
    assert rule.keywords == ["цена", "прайс", "бағасы"] and rule.cooldown_minutes == 60
    assert [a.type for a in rule.actions] == ["public_reply", "private_reply", "add_tags", "notify"]
    assert rule.actions[0].config == {"variants": ["Ответили в директ", "Написали вам"]}
    page = client.get(f"/automations/rules/{rule.id}")
    assert "Ответили в директ" in page.text and "бағасы" in page.text
    assert "Цена" in client.get("/automations/").text
    assert client.get(f"/automations/rules/{rule.id}/log").status_code == 200
    # Refusals are shown, nothing is saved.
    bad = post(
        client,
        "/automations/rules/new",
        "/automations/rules/new",
        {
            "name": "X",
            "trigger": "dm",
            "match_mode": "any",
            "keywords": "",
            "all_posts": "1",
            "send_dm": "hi",
        },
    )
    assert bad.status_code == 200 and 'id="rule-error"' in bad.text
    bad = post(
        client,
        "/automations/rules/new",
        "/automations/rules/new",
        {
            "name": "X",
            "trigger": "dm",
            "match_mode": "any_message",
            "all_posts": "1",
            "public_reply": "hi",
        },
    )
    assert "only on comments" in bad.text
    assert session.scalar(select(AutomationRule).where(AutomationRule.name == "X")) is None
    # Toggle and delete.
    post(client, "/automations/", f"/automations/rules/{rule.id}/toggle", {})
    session.expire_all()
    assert session.get(AutomationRule, rule.id).enabled is False
    rule_id = rule.id
    post(client, "/automations/", f"/automations/rules/{rule_id}/delete", {})
    session.expire_all()
    assert session.get(AutomationRule, rule_id) is None


def test_flow_editor_saves_steps_with_buttons(ws, session):
    client, ws_id, _ = ws
    contacts_service.create_field(session, ws_id, "phone", "Phone", "text")
    session.commit()
    data = {
        "name": "Меню",
        "steps-0-kind": "question",
        "steps-0-text": "Что интересует?",
        "steps-0-buttons": "Цены -> 2\nАдрес -> 3",
        "steps-1-kind": "question",
        "steps-1-text": "Ваш номер?",
        "steps-1-field_key": "phone",
        "steps-1-validate": "phone",
        "steps-1-reask_text": "Номер, пожалуйста",
        "steps-2-kind": "text",
        "steps-2-text": "Абая 10",
    }
    resp = post(client, "/automations/flows/new", "/automations/flows/new", data)
    assert resp.status_code == 302
    flow = session.scalar(select(AutomationFlow))
    assert [s.kind for s in flow.steps] == ["question", "question", "text"]
    assert [(b["title"], b["next"]) for b in flow.steps[0].buttons] == [("Цены", 2), ("Адрес", 3)]
    assert flow.steps[0].buttons[0]["payload"] == f"KZ:{flow.id}:1:0"
    assert flow.steps[1].validate == "phone" and flow.steps[1].field_id is not None
    page = client.get(f"/automations/flows/{flow.id}")
    assert "Цены -&gt; 2" in page.text and 'id="flow-stats"' in page.text
    bad = post(
        client,
        "/automations/flows/new",
        "/automations/flows/new",
        {
            "name": "Bad",
            "steps-0-kind": "question",
            "steps-0-text": "?",
            "steps-0-buttons": "Да -> 9",
        },
    )
    assert bad.status_code == 200 and "Step 1" in bad.text


def test_contacts_filter_export_tags_and_fields(ws, session):
    client, ws_id, account = ws
    field = contacts_service.create_field(session, ws_id, "phone", "Phone", "text")
    a, _ = contacts_service.touch_contact(session, account, "6100000000000001", "ainur")
    b, _ = contacts_service.touch_contact(session, account, "6100000000000002", "=evil")
    contacts_service.add_tags(session, a, ["vip"])
    session.commit()
    listing = client.get("/automations/contacts")
    assert "@ainur" in listing.text and "@=evil" in listing.text
    vip = session.scalar(select(contacts_service.Tag))
    only = client.get(f"/automations/contacts?tag={vip.id}")
    assert "@ainur" in only.text and "@=evil" not in only.text
    assert "@ainur" not in client.get("/automations/contacts?q=evil").text
    csv = client.get("/automations/contacts.csv").text
    assert "igsid,username,first_seen,last_interaction,tags,phone" in csv
    assert "'=evil" in csv and "vip" in csv
    page = f"/automations/contacts/{b.id}"
    post(client, page, f"/automations/contacts/{b.id}/tags", {"tag": "Новый"})
    post(client, page, f"/automations/contacts/{b.id}/fields/{field.id}", {"value": "+7 701"})
    session.expire_all()
    b = session.get(Contact, b.id)
    assert [t.name for t in b.tags] == ["Новый"] and b.values[0].value == "+7 701"
    post(client, page, f"/automations/contacts/{b.id}/tags/{b.tags[0].id}/remove", {})
    session.expire_all()
    assert session.get(Contact, b.id).tags == []
    resp = post(
        client,
        "/automations/fields",
        "/automations/fields",
        {"key": "Bad Key", "name": "x", "type": "text"},
    )
    assert "The key must start with a letter" in resp.text


def test_viewers_read_but_cannot_change_and_other_workspaces_are_404(client, make_user, session):
    owner = make_user("olga")
    ws_id = owner.memberships[0].workspace_id
    rule = save_rule(
        session,
        ws_id,
        RuleData(
            name="R",
            trigger="dm",
            match_mode="any_message",
            actions=[("add_tags", {"tags": ["a"]})],
        ),
    )
    viewer = make_user("vera")
    add_member(session, session.get(Workspace, ws_id), viewer, Role.VIEWER)
    session.commit()
    login(client, "vera")
    token = csrf_from(client.get("/").text)
    client.post(f"/workspaces/{ws_id}/switch", data={"csrf_token": token, "next": "/"})
    assert client.get(f"/automations/rules/{rule.id}").status_code == 200
    token = csrf_from(client.get("/automations/").text)
    for url in (
        f"/automations/rules/{rule.id}/toggle",
        f"/automations/rules/{rule.id}/delete",
        "/automations/rules/new",
        f"/automations/rules/{rule.id}",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert client.get("/automations/rules/new").status_code == 403
    # Someone else's workspace: every id is a 404.
    make_user("mallory")
    other = client.application.test_client()
    login(other, "mallory")
    assert other.get(f"/automations/rules/{rule.id}").status_code == 404
    assert other.get(f"/automations/rules/{rule.id}/log").status_code == 404
