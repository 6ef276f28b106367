"""/api/v1: assistant settings, knowledge CRUD and drafts, under the API conventions."""

from __future__ import annotations

import pytest

from app.models import InstagramAccount, Role
from app.services.workspaces import add_member
from tests.api.conftest import Api, make_token  # noqa: F401 - fixture
from tests.assistant.conftest import API_KEY
from tests.assistant.fake_llm import reply
from tests.inbox.conftest import account  # noqa: F401 - fixture


@pytest.fixture
def api(client, owner, make_token):  # noqa: F811
    return Api(client, make_token(owner))


def test_settings_round_trip(api, account):  # noqa: F811
    resp = api.get(f"/accounts/{account.id}/assistant")
    assert resp.status_code == 200
    body = resp.json
    assert (body["enabled"], body["auto_reply"], body["languages"]) == (
        False,
        False,
        ["ru", "kk", "en"],
    )
    assert body["model_configured"] is False
    resp = api.put(
        f"/accounts/{account.id}/assistant",
        json={
            "enabled": True,
            "auto_reply": True,
            "prices": "Латте 1200 ₸",
            "languages": ["kk", "ru"],
            "default_language": "kk",
            "handover_topics": ["возврат", " жалоба "],
            "daily_cap": 50,
        },
    )
    assert resp.status_code == 200, resp.json
    body = api.get(f"/accounts/{account.id}/assistant").json
    assert body["languages"] == ["ru", "kk"] and body["default_language"] == "kk"
    assert body["handover_topics"] == ["возврат", "жалоба"] and body["daily_cap"] == 50
    assert body["prices"] == "Латте 1200 ₸" and body["auto_reply"] is True


def test_knowledge_crud_and_paging(api, account):  # noqa: F811
    ids = []
    for i in range(3):
        resp = api.post(
            f"/accounts/{account.id}/knowledge",
            json={"title": f"Вопрос {i}", "body": f"Ответ {i}"},
        )
        assert resp.status_code == 201
        ids.append(resp.json["id"])
    page = api.get(f"/accounts/{account.id}/knowledge?limit=2").json
    assert [k["id"] for k in page["items"]] == ids[:2] and page["next"]
    page2 = api.get(f"/accounts/{account.id}/knowledge?limit=2&next={page['next']}").json
    assert [k["id"] for k in page2["items"]] == ids[2:] and page2["next"] is None
    resp = api.put(f"/knowledge/{ids[0]}", json={"kind": "doc", "body": "Документ"})
    assert resp.json["kind"] == "doc" and resp.json["title"] == "Вопрос 0"
    assert api.get(f"/knowledge/{ids[0]}").json["body"] == "Документ"
    assert api.delete(f"/knowledge/{ids[0]}").status_code == 204
    assert api.get(f"/knowledge/{ids[0]}").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("assistant", {"languages": ["de"]}, "languages.0"),
        ("assistant", {"languages": []}, "languages"),
        ("assistant", {"daily_cap": -1}, "daily_cap"),
        ("assistant", {"secret": 1}, "secret"),
        ("assistant", {"languages": ["en"], "default_language": "ru"}, "default_language"),
        ("knowledge", {"title": " ", "body": "x"}, "title"),
        ("knowledge", {"title": "x"}, "body"),
    ],
)
def test_bad_input_is_422_with_fields(api, account, path, body, field):  # noqa: F811
    method = api.put if path == "assistant" else api.post
    resp = method(f"/accounts/{account.id}/{path}", json=body)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_failed"
    assert field in [f["field"] for f in resp.json["error"]["fields"]]


def test_auth_roles_and_other_workspaces(client, owner, account, make_token, make_user, session):  # noqa: F811
    anon = Api(client, None)
    assert anon.get(f"/accounts/{account.id}/assistant").status_code == 401
    assert anon.post("/threads/1/suggest").status_code == 401
    read_only = Api(client, make_token(owner, read_only=True))
    assert read_only.get(f"/accounts/{account.id}/assistant").status_code == 200
    resp = read_only.put(f"/accounts/{account.id}/assistant", json={"enabled": True})
    assert resp.status_code == 403 and resp.json["error"]["code"] == "read_only_token"
    resp = read_only.post(f"/accounts/{account.id}/knowledge", json={"title": "a", "body": "b"})
    assert resp.status_code == 403

    editor = make_user("erin")
    add_member(session, owner.memberships[0].workspace, editor, Role.EDITOR)
    session.commit()
    ed = Api(client, make_token(editor), owner.memberships[0].workspace_id)
    assert ed.put(f"/accounts/{account.id}/assistant", json={"enabled": True}).status_code == 403
    assert (
        ed.post(f"/accounts/{account.id}/knowledge", json={"title": "a", "body": "b"}).status_code
        == 201
    )

    bob = make_user("bob")
    other = InstagramAccount(
        workspace_id=bob.memberships[0].workspace_id,
        ig_user_id="17841400000000002",
        username="dauren.photo",
    )
    session.add(other)
    session.commit()
    mine = Api(client, make_token(owner))
    item = mine.post(f"/accounts/{account.id}/knowledge", json={"title": "a", "body": "b"}).json
    theirs = Api(client, make_token(bob))
    assert theirs.get(f"/accounts/{account.id}/assistant").status_code == 404
    assert theirs.get(f"/knowledge/{item['id']}").status_code == 404
    assert theirs.delete(f"/knowledge/{item['id']}").status_code == 404
    assert mine.get(f"/accounts/{other.id}/knowledge").status_code == 404


def test_suggest_returns_a_draft_and_sends_nothing(ai, client, owner, make_token):  # noqa: F811
    api = Api(client, make_token(owner))
    thread = ai.dm("Есть доставка?")
    resp = api.post(f"/threads/{thread.id}/suggest")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "assistant_off"
    ai.configure()
    ai.llm.then(reply("Доставка 1000 ₸."), {"http": 500}, {"http": 500})
    resp = api.post(f"/threads/{thread.id}/suggest")
    assert resp.status_code == 200
    assert resp.json == {
        "thread_id": str(thread.id),
        "status": "answer",
        "text": "Доставка 1000 ₸.",
    }
    resp = api.post(f"/threads/{thread.id}/suggest")
    assert resp.status_code == 502 and resp.json["error"]["code"] == "model_http_error"
    assert API_KEY not in resp.text
    assert api.get(f"/accounts/{ai.account.id}/assistant").json["model_configured"] is True
    ai.dm("Позовите менеджера")
    resp = api.post(f"/threads/{thread.id}/suggest")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "assistant_handover"
    assert ai.sent_texts() == []
    assert (
        Api(client, make_token(owner, read_only=True))
        .post(f"/threads/{thread.id}/suggest")
        .status_code
        == 403
    )
