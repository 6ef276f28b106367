"""The settings page: profile, switches and the knowledge list editor (roles, CSRF, scope)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AssistantSettings, InstagramAccount, KnowledgeItem, Role
from app.services.workspaces import add_member
from tests.conftest import csrf_from, login, post_form
from tests.inbox.conftest import account  # noqa: F401 - fixture

FORM = {
    "enabled": "y",
    "business_name": "Aruzhan Coffee",
    "offer": "Кофе",
    "prices": "Латте 1200 ₸",
    "hours": "8–22",
    "address": "Абая 10",
    "tone": "коротко",
    "ru": "y",
    "kk": "y",
    "default_language": "kk",
    "handover_topics": "возврат",
    "disclosure_text": "",
    "daily_cap": "100",
}


def test_owner_saves_settings_and_edits_knowledge(client, owner, account, session):  # noqa: F811
    login(client, "alice")
    page = f"/assistant/accounts/{account.id}"
    assert "@aruzhan.coffee" in client.get("/assistant/").text
    html = client.get(page).text
    assert "No AI model is set up" in html and 'id="knowledge-empty"' in html
    resp = post_form(client, page, page, FORM)
    assert resp.status_code == 302
    prefs = session.scalar(select(AssistantSettings))
    assert (prefs.enabled, prefs.auto_reply, prefs.languages, prefs.default_language) == (
        True,
        False,
        "ru,kk",
        "kk",
    )
    bad = post_form(client, page, page, {**FORM, "kk": "", "default_language": "kk"})
    assert "fallback language must be one of the chosen" in bad.text

    add = f"/assistant/accounts/{account.id}/knowledge"
    post_form(client, page, add, {"kind": "qa", "title": "Доставка?", "body": "1000 ₸"})
    item = session.scalar(select(KnowledgeItem))
    assert (item.title, item.body) == ("Доставка?", "1000 ₸")
    edit = f"/assistant/knowledge/{item.id}"
    post_form(client, edit, edit, {"kind": "doc", "title": "Доставка", "body": "По городу"})
    session.expire_all()
    assert (item.kind, item.body) == ("doc", "По городу")
    assert "По городу" in client.get(page).text
    post_form(client, page, f"{edit}/delete", {})
    assert session.scalar(select(KnowledgeItem)) is None
    # CSRF is required.
    assert client.post(add, data={"title": "x", "body": "y"}).status_code == 400


def test_viewer_reads_but_cannot_change(client, owner, account, make_user, session):  # noqa: F811
    viewer = make_user("victor")
    add_member(session, owner.memberships[0].workspace, viewer, Role.VIEWER)
    session.commit()
    login(client, "victor")
    page = f"/assistant/accounts/{account.id}"
    token = csrf_from(client.get("/assistant/").text)
    client.post(
        f"/workspaces/{owner.memberships[0].workspace_id}/switch",
        data={"csrf_token": token, "next": "/assistant/"},
    )
    ws_html = client.get(page)
    assert ws_html.status_code == 200 and 'id="assistant-save"' not in ws_html.text
    assert post_form(client, page, page, FORM).status_code == 403
    resp = post_form(
        client, page, f"/assistant/accounts/{account.id}/knowledge", {"title": "a", "body": "b"}
    )
    assert resp.status_code == 403


def test_other_workspaces_are_404(client, account, make_user, session):  # noqa: F811
    make_user("bob")
    login(client, "bob")
    assert client.get(f"/assistant/accounts/{account.id}").status_code == 404
    other = session.get(InstagramAccount, account.id)
    item = KnowledgeItem(workspace_id=other.workspace_id, account_id=other.id, title="t", body="b")
    session.add(item)
    session.commit()
    assert client.get(f"/assistant/knowledge/{item.id}").status_code == 404
