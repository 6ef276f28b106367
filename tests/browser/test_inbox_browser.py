"""A sandbox customer comments and writes; the owner sees both without reloading and answers."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.inbox import process_pending
from app.services.instagram import make_client, read_token
from tests.conftest import PASSWORD
from tests.inbox.conftest import CUSTOMER, DEMO, owner, stack  # noqa: F401

pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.settings(INBOX_POLL_SECONDS=1),
]


@pytest.fixture
def worker(app):
    """The worker's webhook processing, every half second in a background thread."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                process_pending(db.session)
                db.session.commit()
            stop.wait(0.5)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(5)


def test_comment_and_dm_arrive_live_and_owner_answers(open_page, stack, worker, app):  # noqa: F811
    settings = app.config["SETTINGS"]
    graph, token = make_client(settings), read_token(settings, stack.account)
    media_id = graph.list_media(token, limit=1).data[0]["id"]
    page = open_page(stack.url)
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.click("nav >> text=Inbox")
    expect(page.locator("#inbox-empty")).to_be_visible()

    comment = stack.admin(
        "POST",
        "customer/comment",
        {"media_id": media_id, "customer_id": CUSTOMER, "text": "Латте қанша тұрады?"},
    )
    stack.admin(
        "POST",
        "customer/message",
        {"ig_user_id": DEMO, "customer_id": CUSTOMER, "text": "Сәлем! Жеткізу бар ма?"},
    )
    threads = page.locator("#thread-list .inbox-thread")
    expect(threads.filter(has_text="Латте қанша тұрады?")).to_be_visible()
    expect(threads.filter(has_text="Сәлем! Жеткізу бар ма?")).to_be_visible()

    threads.filter(has_text="Латте қанша тұрады?").click()
    page.fill("#reply-text", "1200 ₸, рахмет!")
    page.click("#send-reply")
    expect(page.locator(".alert-success")).to_contain_text("Reply sent.")
    expect(page.locator("#thread-items")).to_contain_text("1200 ₸, рахмет!")
    page.locator(f"[data-ig-id='{comment['id']}'] .hide-comment").click()
    expect(page.locator(".alert-success")).to_contain_text("Comment hidden.")
    expect(page.locator(f"[data-ig-id='{comment['id']}']")).to_contain_text("Hidden")

    page.click("nav >> text=Inbox")
    page.locator("#thread-list .inbox-thread", has_text="Жеткізу").click()
    expect(page.locator(".inbox-countdown")).to_be_visible()
    page.fill("#message-text", "Иә, бүкіл қала бойынша!")
    page.click("#send-message")
    expect(page.locator(".alert-success")).to_contain_text("Message sent.")
    expect(page.locator("#thread-items")).to_contain_text("Иә, бүкіл қала бойынша!")

    # The sandbox (Instagram) shows the results.
    node = graph.get_comment(token, comment["id"])
    assert node["hidden"] is True
    assert [r["text"] for r in node["replies"]["data"]] == ["1200 ₸, рахмет!"]
    conv = graph.list_conversations(token, user_id=CUSTOMER).data[0]["id"]
    texts = [
        graph.get_message(token, m["id"])["message"]
        for m in graph.list_conversation_messages(token, conv)
    ]
    assert "Иә, бүкіл қала бойынша!" in texts
    assert page.console_errors == []
