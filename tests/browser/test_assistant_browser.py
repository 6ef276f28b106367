"""The owner opens a DM thread, clicks "Suggest reply" and edits the draft in the reply box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.assistant.conftest import Ai, ai, llm, model_settings  # noqa: F401 - fixtures
from tests.assistant.fake_llm import reply
from tests.conftest import PASSWORD
from tests.inbox.conftest import owner, process, stack  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_suggest_reply_fills_the_reply_box(open_page, ai: Ai):  # noqa: F811
    ai.configure()
    thread = ai.dm("Сәлем! Жеткізу бар ма?")
    ai.llm.then(reply("Иә, Алматы бойынша жеткізу 1000 ₸."))
    page = open_page(ai.stack.url)
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"/inbox/threads/{thread.id}")
    expect(page.locator("#message-text")).to_have_value("")
    page.click("#suggest-reply")
    expect(page.locator("#message-text")).to_have_value("Иә, Алматы бойынша жеткізу 1000 ₸.")
    expect(page.locator("#assistant-draft")).to_contain_text("Draft from the assistant")
    assert "seems to write in Kazakh" in ai.llm.system()
    assert ai.sent_texts() == []  # only the owner's Send sends
    page.fill("#message-text", "Иә, жеткізу 1000 ₸ 🙂")
    page.click("#send-message")
    expect(page.locator(".alert-success")).to_be_visible()
    assert ai.sent_texts() == ["Иә, жеткізу 1000 ₸ 🙂"]
    assert page.console_errors == []
