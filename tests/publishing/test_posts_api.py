"""/api/v1/posts over the real app and sandbox: compose, read with log, edit, retry, approve."""

from __future__ import annotations

import secrets

from app.models import Role
from app.services.api_tokens import create_token
from app.services.users import create_user
from app.services.workspaces import add_member
from tests.api.conftest import Api
from tests.publishing.conftest import DEMO, DEMO_2, later


def _api(env, client, user=None):
    _row, raw = create_token(env.session, user or env.user, "t")
    env.session.commit()
    return Api(client, raw, env.workspace_id)


def test_create_publish_and_read_with_log(env, client):
    api = _api(env, client)
    a1, a2 = env.account(DEMO), env.account(DEMO_2)
    image = env.media("image")
    resp = api.post(
        "/posts",
        json={
            "account_ids": [str(a1.id), str(a2.id)],
            "type": "image",
            "media_ids": [str(image.id)],
            "caption": "From the API",
            "first_comment": "#api",
            "scheduled_at": None,
        },
    )
    assert resp.status_code == 201, resp.json
    items = resp.json["items"]
    assert [i["account_id"] for i in items] == [str(a1.id), str(a2.id)]
    assert {i["status"] for i in items} == {"scheduled"}
    env.run()
    got = api.get(f"/posts/{items[0]['id']}").json
    assert got["status"] == "done" and got["instagram_media_id"]
    steps = [row["step"] for row in got["log"]]
    assert "published" in steps and "first_comment" in steps
    listed = api.get(f"/posts?account_id={a2.id}&status=done&type=image").json
    assert [p["id"] for p in listed["items"]] == [items[1]["id"]]
    page = api.get("/posts?limit=1").json
    assert len(page["items"]) == 1 and page["next"]
    # Published posts can no longer be edited.
    resp = api.patch(f"/posts/{items[0]['id']}", json={"caption": "late"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "not_editable"


def test_validation_edit_reschedule_delete_and_other_workspace(env, client, make_user):
    api = _api(env, client)
    account = env.account()
    image = env.media("image")
    base = {"account_ids": [str(account.id)], "type": "image", "media_ids": [str(image.id)]}
    resp = api.post("/posts", json={**base, "caption": "#a " * 31})
    assert resp.status_code == 422
    assert resp.json["error"]["fields"][0]["code"] == "too_many_hashtags"
    resp = api.post("/posts", json={**base, "type": "reel"})
    assert resp.json["error"]["fields"][0]["code"] == "reel_needs_one_video"
    resp = api.post("/posts", json={**base, "scheduled_at": later(3600).isoformat()})
    post_id = resp.json["items"][0]["id"]
    when = later(7200).replace(microsecond=0)
    resp = api.patch(
        f"/posts/{post_id}", json={"caption": "Edited", "scheduled_at": when.isoformat()}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["caption"] == "Edited" and resp.json["scheduled_at"].startswith(
        when.strftime("%Y-%m-%dT%H:%M:%S")
    )
    # Another workspace's token sees a 404.
    stranger = make_user(f"x{secrets.token_hex(2)}")
    other = _api(env, client, stranger)
    other.workspace_id = None
    assert other.get(f"/posts/{post_id}").status_code == 404
    assert api.delete(f"/posts/{post_id}").status_code == 204
    assert api.get(f"/posts/{post_id}").status_code == 404


def test_failed_post_retried_and_approval_flow(env, client):
    account = env.account()
    env.fault(kind="error", endpoint="*/media", method="POST", code=9004, subcode=2207052)
    owner_api = _api(env, client)
    image = env.media("image")
    resp = owner_api.post(
        "/posts",
        json={
            "account_ids": [str(account.id)],
            "type": "image",
            "media_ids": [str(image.id)],
        },
    )
    post_id = resp.json["items"][0]["id"]
    env.run()
    got = owner_api.get(f"/posts/{post_id}").json
    assert got["status"] == "failed" and got["error"]["code"] == "media_url_unreachable"
    assert any(r["code"] == 9004 and r["result"] == "error" for r in got["log"])
    resp = owner_api.post(f"/posts/{post_id}/retry")
    assert resp.status_code == 200 and resp.json["status"] == "scheduled"
    env.run()
    assert owner_api.get(f"/posts/{post_id}").json["status"] == "done"
    assert owner_api.post(f"/posts/{post_id}/retry").status_code == 409

    # Approval: an editor's post waits; the owner approves; an editor cannot approve.
    ws = env.session.get(
        __import__("app.models", fromlist=["Workspace"]).Workspace, env.workspace_id
    )
    ws.require_approval = True
    editor = create_user(env.session, f"ed{secrets.token_hex(2)}", "correct horse battery")
    add_member(env.session, ws, editor, Role.EDITOR)
    env.session.commit()
    editor_api = _api(env, client, editor)
    resp = editor_api.post(
        "/posts",
        json={
            "account_ids": [str(account.id)],
            "type": "image",
            "media_ids": [str(image.id)],
        },
    )
    assert resp.status_code == 201 and resp.json["items"][0]["status"] == "pending_approval"
    pid = resp.json["items"][0]["id"]
    env.run()
    assert owner_api.get(f"/posts/{pid}").json["status"] == "pending_approval"
    assert editor_api.post(f"/posts/{pid}/approve").status_code == 403
    resp = owner_api.post(f"/posts/{pid}/approve")
    assert resp.status_code == 200 and resp.json["status"] == "scheduled"
    env.run()
    assert owner_api.get(f"/posts/{pid}").json["status"] == "done"
