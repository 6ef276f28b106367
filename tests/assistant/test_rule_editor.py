"""The rule editor offers "AI reply": saved through the web form, kept on edit, fired against
the fake model server with the sandbox; disabled with a hint while it cannot answer."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import AutomationFiring, AutomationRule
from tests.assistant.fake_llm import reply
from tests.conftest import csrf_from

FORM = {
    "name": "Доставка ИИ",
    "enabled": "y",
    "trigger": "dm",
    "account_id": "",
    "all_posts": "1",
    "match_mode": "any",
    "keywords": "доставка",
    "whole_word": "y",
    "cooldown_minutes": "0",
}
AI_BOX = re.compile(r'<input[^>]*id="ai_reply"[^>]*>')


def _box(html: str) -> str:
    return AI_BOX.search(html).group(0)


def test_ai_reply_saved_in_the_editor_round_trips_and_fires(ai, client, session):
    ai.configure(disclosure_text="🤖")
    new = client.get("/automations/rules/new").text
    assert "disabled" not in _box(new) and 'id="ai-reply-hint"' not in new
    resp = client.post(
        "/automations/rules/new",
        data={**FORM, "ai_reply": "y", "send_dm": "", "csrf_token": csrf_from(new)},
    )
    assert resp.status_code == 302
    session.expire_all()
    rule = session.scalar(select(AutomationRule).where(AutomationRule.name == FORM["name"]))
    assert [(a.type, a.config) for a in rule.actions] == [("ai_reply", {})]

    # Editing shows it ticked; saving again (with another action added) keeps it.
    edit = client.get(f"/automations/rules/{rule.id}").text
    assert "checked" in _box(edit)
    resp = client.post(
        f"/automations/rules/{rule.id}",
        data={**FORM, "ai_reply": "y", "notify": "y", "csrf_token": csrf_from(edit)},
    )
    assert resp.status_code == 302
    session.expire_all()
    rule = session.get(AutomationRule, rule.id)
    assert [a.type for a in rule.actions] == ["ai_reply", "notify"]

    ai.llm.then(reply("Доставка по Алматы 1000 ₸."))
    ai.dm("Сколько стоит доставка?")
    ai.run()
    assert ai.sent_texts() == ["🤖\n\nДоставка по Алматы 1000 ₸."]
    session.expire_all()
    firing = session.scalar(select(AutomationFiring).where(AutomationFiring.rule_id == rule.id))
    assert firing.results[0] == {"type": "ai_reply", "result": "done"}
    assert len(ai.llm.requests) == 1
    log = client.get(f"/automations/rules/{rule.id}/log").text
    assert 'data-action="ai_reply" data-result="done"' in log

    # Unticked and saved: the action is gone.
    edit = client.get(f"/automations/rules/{rule.id}").text
    client.post(
        f"/automations/rules/{rule.id}",
        data={**FORM, "notify": "y", "csrf_token": csrf_from(edit)},
    )
    session.expire_all()
    assert [a.type for a in session.get(AutomationRule, rule.id).actions] == ["notify"]


def test_ai_reply_is_disabled_with_a_hint_until_the_assistant_is_on(ai, client, session):
    page = client.get("/automations/rules/new").text
    assert "disabled" in _box(page)
    assert 'id="ai-reply-hint" data-state="off"' in page  # a model, but no account has it on
    ai.settings.AI_MODEL = ""
    page = client.get("/automations/rules/new").text
    assert 'data-state="not_configured"' in page and "disabled" in _box(page)
    ai.settings.AI_MODEL = "fake-model"
    ai.configure()
    page = client.get("/automations/rules/new").text
    assert "disabled" not in _box(page) and 'id="ai-reply-hint"' not in page


def test_a_rule_that_has_ai_reply_keeps_it_when_the_assistant_is_off(ai, client, session):
    ai.configure()
    new = client.get("/automations/rules/new").text
    client.post(
        "/automations/rules/new", data={**FORM, "ai_reply": "y", "csrf_token": csrf_from(new)}
    )
    session.expire_all()
    rule = session.scalar(select(AutomationRule).where(AutomationRule.name == FORM["name"]))
    ai.configure(enabled=False)
    edit = client.get(f"/automations/rules/{rule.id}").text
    # Still ticked and usable (a disabled box would be dropped on save), with the hint.
    assert "checked" in _box(edit) and "disabled" not in _box(edit)
    assert 'data-state="off"' in edit
    client.post(
        f"/automations/rules/{rule.id}",
        data={**FORM, "ai_reply": "y", "csrf_token": csrf_from(edit)},
    )
    session.expire_all()
    assert [a.type for a in session.get(AutomationRule, rule.id).actions] == ["ai_reply"]
