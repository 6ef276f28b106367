"""Sandbox customers write; webhooks arrive signed; the owner acts in the inbox pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.models import (
    InboxAction,
    InboxComment,
    InboxMessage,
    InboxThread,
    Role,
    WebhookEvent,
    utcnow,
)
from app.services.instagram import make_client, read_token
from app.services.workspaces import add_member
from tests.conftest import csrf_from, login
from tests.inbox.conftest import CUSTOMER, DEMO, wait_until


class Flow:
    """Acts as the sandbox customer and reads the sandbox through the Graph API."""

    def __init__(self, stack, app, session, process):
        self.stack, self.app, self.session, self.process = stack, app, session, process
        settings = app.config["SETTINGS"]
        self.client = make_client(settings)
        self.token = read_token(settings, stack.account)
        self.media_id = self.client.list_media(self.token, limit=1).data[0]["id"]

    def _delivered(self, n_before: int):
        def arrived():
            return self.session.scalar(select(func.count(WebhookEvent.id))) > n_before

        wait_until(arrived)
        self.process()
        self.session.expire_all()

    def _count(self) -> int:
        return self.session.scalar(select(func.count(WebhookEvent.id)))

    def comment(self, text="Сколько стоит латте?") -> InboxComment:
        before = self._count()
        made = self.stack.admin(
            "POST",
            "customer/comment",
            {"media_id": self.media_id, "customer_id": CUSTOMER, "text": text},
        )
        self._delivered(before)
        return self.session.scalar(
            select(InboxComment).where(InboxComment.ig_comment_id == made["id"])
        )

    def message(self, text="Сәлем! Ашықсыздар ма?") -> InboxThread:
        before = self._count()
        self.stack.admin(
            "POST", "customer/message", {"ig_user_id": DEMO, "customer_id": CUSTOMER, "text": text}
        )
        self._delivered(before)
        return self.session.scalar(select(InboxThread).where(InboxThread.kind == "dm"))

    def graph_comment(self, ig_id: str) -> dict:
        return self.client.get_comment(self.token, ig_id)


@pytest.fixture
def flow(stack, app, session, process):
    return Flow(stack, app, session, process)


def post(client, page, url, data=None):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page).text), **(data or {})})


def test_comment_appears_then_reply_hide_unhide_delete(flow, client, session):
    comment = flow.comment()
    page = f"/inbox/threads/{comment.thread_id}"
    listing = client.get("/inbox/")
    assert "Сколько стоит латте?" in listing.text and 'id="inbox-unread"' in listing.text
    assert "Сколько стоит латте?" in client.get(page).text
    assert 'id="inbox-unread"' not in client.get("/inbox/").text  # opened: read

    resp = post(client, page, f"/inbox/comments/{comment.id}/reply", {"text": "1200 ₸ 🙂"})
    assert resp.status_code == 302
    replies = flow.graph_comment(comment.ig_comment_id)["replies"]["data"]
    assert [r["text"] for r in replies] == ["1200 ₸ 🙂"]
    own = session.scalar(select(InboxComment).where(InboxComment.ig_comment_id == replies[0]["id"]))
    assert own.is_own and own.thread_id == comment.thread_id
    assert "1200 ₸ 🙂" in client.get(page).text

    post(client, page, f"/inbox/comments/{comment.id}/hide", {"hidden": "1"})
    assert flow.graph_comment(comment.ig_comment_id)["hidden"] is True
    session.refresh(comment)
    assert comment.hidden
    post(client, page, f"/inbox/comments/{comment.id}/hide", {"hidden": "0"})
    assert flow.graph_comment(comment.ig_comment_id)["hidden"] is False

    confirm = client.get(f"/inbox/comments/{comment.id}/delete")
    assert "cannot be undone" in confirm.text
    post(client, page, f"/inbox/comments/{comment.id}/delete")
    session.refresh(comment)
    assert comment.deleted_at is not None
    state = flow.stack.admin("GET", "state")
    assert state["counts"]["comments"] >= 1
    from app.instagram import InstagramError

    with pytest.raises(InstagramError):
        flow.graph_comment(comment.ig_comment_id)


def test_private_reply_once_within_seven_days(flow, client, session):
    comment = flow.comment("Можно в директ?")
    page = f"/inbox/comments/{comment.id}/private-reply"
    assert "one direct message" in client.get(page).text
    resp = post(client, page, page, {"text": "Написали вам в директ!"})
    assert resp.status_code == 302
    session.refresh(comment)
    assert comment.private_replied_at and comment.private_reply_mid
    dm = session.scalar(select(InboxThread).where(InboxThread.kind == "dm"))
    assert dm.thread_key == CUSTOMER
    # Instagram holds the message in the conversation with the commenter.
    assert flow.stack.admin("GET", "state")["counts"]["messages"] >= 1
    again = client.get(page)
    assert "only one private reply" in again.text and 'id="private-reply-form"' not in again.text

    old = flow.comment("старый")
    session.execute(
        update(InboxComment)
        .where(InboxComment.id == old.id)
        .values(created_at=utcnow() - timedelta(days=8))
    )
    session.commit()
    resp = post(
        client,
        f"/inbox/threads/{old.thread_id}",
        f"/inbox/comments/{old.id}/private-reply",
        {"text": "x"},
    )
    assert "within 7 days" in client.get(resp.location).text


def test_dm_reply_in_window_echo_stored_once_and_closed_box(flow, client, session, app):
    thread = flow.message()
    page = f"/inbox/threads/{thread.id}"
    html = client.get(page).text
    assert "Сәлем! Ашықсыздар ма?" in html and "data-deadline" in html
    before = session.scalar(select(func.count(WebhookEvent.id)))
    assert (
        post(
            client, page, f"/inbox/threads/{thread.id}/messages", {"text": "Иә, 9:00-ден"}
        ).status_code
        == 302
    )
    wait_until(lambda: session.scalar(select(func.count(WebhookEvent.id))) > before)  # echo
    flow.process()
    session.expire_all()
    rows = session.scalars(select(InboxMessage).where(InboxMessage.thread_id == thread.id)).all()
    assert sorted((m.outgoing, m.text) for m in rows) == [
        (False, "Сәлем! Ашықсыздар ма?"),
        (True, "Иә, 9:00-ден"),
    ]
    # 25 hours later the reply box is closed and explains why.
    session.execute(
        update(InboxThread)
        .where(InboxThread.id == thread.id)
        .values(last_customer_message_at=utcnow() - timedelta(hours=25))
    )
    session.commit()
    html = client.get(page).text
    assert 'id="window-closed"' in html and 'id="message-form"' not in html
    resp = post(client, page, f"/inbox/threads/{thread.id}/messages", {"text": "late"})
    assert "within 24 hours" in client.get(resp.location).text
    assert len(session.scalars(select(InboxMessage)).all()) == 2


@pytest.mark.settings(INBOX_HUMAN_AGENT_TAG=True)
def test_human_agent_tag_extends_the_window_when_enabled(flow, client, session):
    thread = flow.message()
    flow.stack.admin("POST", "clock", {"advance_seconds": 2 * 86400})
    session.execute(
        update(InboxThread)
        .where(InboxThread.id == thread.id)
        .values(last_customer_message_at=utcnow() - timedelta(days=2))
    )
    session.commit()
    page = f"/inbox/threads/{thread.id}"
    assert "Human agent reply" in client.get(page).text
    post(client, page, f"/inbox/threads/{thread.id}/messages", {"text": "Кешіріңіз, кеш"})
    sent = session.scalar(select(InboxMessage).where(InboxMessage.outgoing.is_(True)))
    assert sent is not None and sent.text == "Кешіріңіз, кеш"


def test_refused_action_is_shown_with_reason_and_retry(flow, client, session):
    comment = flow.comment()
    flow.stack.admin(
        "POST",
        "faults",
        {
            "kind": "error",
            "endpoint": "*/replies",
            "method": "POST",
            "code": 2,
            "count": 1,
            "is_transient": True,
        },
    )
    page = f"/inbox/threads/{comment.thread_id}"
    post(client, page, f"/inbox/comments/{comment.id}/reply", {"text": "Ответ"})
    [action] = session.scalars(select(InboxAction)).all()
    html = client.get(page).text
    assert "Not sent" in html and "not answering right now" in html and "Retry" in html
    assert flow.graph_comment(comment.ig_comment_id).get("replies", {"data": []})["data"] == []
    post(client, page, f"/inbox/actions/{action.id}/retry")
    session.expire_all()
    assert session.scalars(select(InboxAction)).all() == []
    replies = flow.graph_comment(comment.ig_comment_id)["replies"]["data"]
    assert [r["text"] for r in replies] == ["Ответ"]


def test_viewer_reads_but_cannot_act(flow, client, session, make_user, owner):
    comment = flow.comment()
    viewer = make_user("victor")
    add_member(session, owner.memberships[0].workspace, viewer, Role.VIEWER)
    session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/inbox/").text)})
    login(client, "victor")
    page = f"/inbox/threads/{comment.thread_id}"
    from app.services.workspaces import memberships_of

    ws_id = owner.memberships[0].workspace_id
    assert any(m.workspace_id == ws_id for m in memberships_of(session, viewer))
    with client.session_transaction() as s:
        s["workspace_id"] = ws_id
    html = client.get(page).text
    assert "Сколько стоит латте?" in html and 'id="comment-reply-form"' not in html
    resp = post(client, page, f"/inbox/comments/{comment.id}/reply", {"text": "x"})
    assert resp.status_code == 403


def test_other_workspace_gets_404(flow, client, session, make_user):
    comment = flow.comment()
    make_user("bob")
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/inbox/").text)})
    login(client, "bob")
    assert client.get(f"/inbox/threads/{comment.thread_id}").status_code == 404
    assert client.get(f"/inbox/comments/{comment.id}/delete").status_code == 404
    assert "Сколько стоит" not in client.get("/inbox/").text
