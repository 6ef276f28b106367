"""/api/v1 inbox endpoints: listing, detail, actions over the sandbox, auth and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.models import InboxComment, InboxThread, utcnow
from app.services.api_tokens import create_token
from tests.inbox.test_actions import Flow


@pytest.fixture
def flow(stack, app, session, process):
    return Flow(stack, app, session, process)


@pytest.fixture
def tokens(session, owner):
    _r, rw = create_token(session, owner, "rw", read_only=False)
    _r, ro = create_token(session, owner, "ro", read_only=True)
    session.commit()
    return {"rw": {"Authorization": f"Bearer {rw}"}, "ro": {"Authorization": f"Bearer {ro}"}}


def test_threads_list_filters_paging_and_detail(flow, client, tokens, session):
    first = flow.comment("первый")
    flow.comment("второй")
    dm = flow.message("DM text")
    h = tokens["rw"]
    page = client.get("/api/v1/threads?limit=2", headers=h).json
    assert [t["kind"] for t in page["items"]] == ["dm", "comment"] and page["next"]
    rest = client.get(f"/api/v1/threads?limit=2&next={page['next']}", headers=h).json
    assert [t["preview"] for t in rest["items"]] == ["первый"] and rest["next"] is None
    assert [t["id"] for t in client.get("/api/v1/threads?kind=dm", headers=h).json["items"]] == [
        str(dm.id)
    ]
    found = client.get("/api/v1/threads?q=втор", headers=h).json["items"]
    assert [t["preview"] for t in found] == ["второй"]
    assert len(client.get("/api/v1/threads?unread=true", headers=h).json["items"]) == 3
    detail = client.get(f"/api/v1/threads/{first.thread_id}", headers=h).json
    assert detail["comments"][0]["text"] == "первый" and detail["messages"] is None
    dm_detail = client.get(f"/api/v1/threads/{dm.id}", headers=h).json
    assert dm_detail["messages"][0]["text"] == "DM text" and dm_detail["window_closes_at"]


def test_actions_through_the_api(flow, client, tokens, session):
    comment = flow.comment()
    h = tokens["rw"]
    resp = client.post(f"/api/v1/comments/{comment.id}/replies", json={"text": "Да"}, headers=h)
    assert resp.status_code == 201 and resp.json["is_own"]
    resp = client.post(f"/api/v1/comments/{comment.id}/hide", json={"hidden": True}, headers=h)
    assert resp.status_code == 200 and resp.json["hidden"]
    assert flow.graph_comment(comment.ig_comment_id)["hidden"] is True
    resp = client.post(
        f"/api/v1/comments/{comment.id}/private-reply", json={"text": "DM"}, headers=h
    )
    assert resp.status_code == 201 and resp.json["outgoing"]
    again = client.post(
        f"/api/v1/comments/{comment.id}/private-reply", json={"text": "DM"}, headers=h
    )
    assert again.status_code == 409 and again.json["error"]["code"] == "private_reply_used"
    assert client.delete(f"/api/v1/comments/{comment.id}", headers=h).status_code == 204
    session.refresh(comment)
    assert comment.deleted_at is not None

    dm = flow.message()
    resp = client.post(f"/api/v1/conversations/{dm.id}/messages", json={"text": "Иә"}, headers=h)
    assert resp.status_code == 201 and resp.json["text"] == "Иә"
    session.execute(
        update(InboxThread)
        .where(InboxThread.id == dm.id)
        .values(last_customer_message_at=utcnow() - timedelta(days=2))
    )
    session.commit()
    closed = client.post(f"/api/v1/conversations/{dm.id}/messages", json={"text": "x"}, headers=h)
    assert closed.status_code == 409 and closed.json["error"]["code"] == "window_closed"
    too_long = client.post(
        f"/api/v1/conversations/{dm.id}/messages", json={"text": "ә" * 600}, headers=h
    )
    assert too_long.status_code == 422  # 1200 bytes: over the 1000-byte limit
    assert (
        client.post(
            f"/api/v1/conversations/{comment.thread_id}/messages", json={"text": "x"}, headers=h
        ).status_code
        == 404
    )


def test_instagram_refusal_is_502_and_kept_for_retry(flow, client, tokens, session):
    comment = flow.comment()
    flow.stack.admin(
        "POST",
        "faults",
        {"kind": "error", "endpoint": "*/replies", "method": "POST", "code": 10, "count": 1},
    )
    resp = client.post(
        f"/api/v1/comments/{comment.id}/replies", json={"text": "x"}, headers=tokens["rw"]
    )
    assert resp.status_code == 502 and resp.json["error"]["code"] == "instagram_refused"
    detail = client.get(f"/api/v1/threads/{comment.thread_id}", headers=tokens["rw"]).json
    assert [f["kind"] for f in detail["failures"]] == ["reply"]


def test_auth_read_only_validation_and_other_workspace(flow, client, tokens, session, make_user):
    comment = flow.comment()
    cid = comment.id
    assert client.get("/api/v1/threads").status_code == 401
    assert client.get("/api/v1/threads", headers=tokens["ro"]).status_code == 200
    ro = client.post(f"/api/v1/comments/{cid}/replies", json={"text": "x"}, headers=tokens["ro"])
    assert ro.status_code == 403 and ro.json["error"]["code"] == "read_only_token"
    assert client.delete(f"/api/v1/comments/{cid}", headers=tokens["ro"]).status_code == 403
    h = tokens["rw"]
    for body in (
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x", "extra": 1},
        {"text": 5},
        {"text": "x" * 2201},
    ):
        resp = client.post(f"/api/v1/comments/{cid}/replies", json=body, headers=h)
        assert resp.status_code == 422, body
    assert (
        client.post(f"/api/v1/comments/{cid}/hide", json={"hidden": "maybe"}, headers=h).status_code
        == 422
    )
    assert client.get("/api/v1/threads?kind=story", headers=h).status_code == 422
    assert client.get("/api/v1/threads?next=abc", headers=h).status_code == 422
    bob = make_user("bob")
    _r, bob_token = create_token(session, bob, "b", read_only=False)
    session.commit()
    bh = {"Authorization": f"Bearer {bob_token}"}
    assert client.get(f"/api/v1/threads/{comment.thread_id}", headers=bh).status_code == 404
    assert (
        client.post(f"/api/v1/comments/{cid}/replies", json={"text": "x"}, headers=bh).status_code
        == 404
    )
    assert client.delete(f"/api/v1/comments/{cid}", headers=bh).status_code == 404
    assert client.get("/api/v1/threads", headers=bh).json["items"] == []
    assert session.scalar(select(InboxComment).where(InboxComment.id == cid)).deleted_at is None
