"""The "AI reply" action of keyword automations (registered in the automations engine)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AutomationFiring
from app.services.automations import definitions as defs
from app.services.automations.engine import ACTIONS
from tests.assistant.fake_llm import reply


def _rule(ai, trigger: str, keywords: list[str]):
    rule = defs.save_rule(
        ai.session,
        ai.account.workspace_id,
        defs.RuleData(
            name=f"AI {trigger}", trigger=trigger, keywords=keywords, actions=[("ai_reply", {})]
        ),
    )
    ai.session.commit()
    return rule


def _results(ai, rule) -> list[dict]:
    ai.session.expire_all()
    firing = ai.session.scalar(select(AutomationFiring).where(AutomationFiring.rule_id == rule.id))
    return firing.results if firing else []


def test_ai_reply_is_a_registered_action():
    from app.services import assistant_action
    from app.services.automations import actions  # noqa: F401 - loads the registry

    assert ACTIONS["ai_reply"].handler is assistant_action.ai_reply
    assert not ACTIONS["ai_reply"].comment_only


def test_ai_reply_answers_a_dm_once_even_with_auto_reply_on(ai):
    ai.configure(auto_reply=True, disclosure_text="🤖 Автоответ")
    rule = _rule(ai, "dm", ["доставка"])
    ai.llm.then(reply("Доставка 1000 ₸."))
    ai.dm("Есть доставка?")
    assert ai.run() == {}  # the rule answered; the auto-reply job stays silent
    assert ai.sent_texts() == ["🤖 Автоответ\n\nДоставка 1000 ₸."]
    assert _results(ai, rule) == [{"type": "ai_reply", "result": "done"}]
    assert len(ai.llm.requests) == 1 and ai.calls()[0].purpose == "automation"


def test_ai_reply_answers_a_comment_publicly(ai):
    ai.configure(disclosure_text="🤖")
    rule = _rule(ai, "comment", ["латте"])
    ai.llm.then(reply("Латте 1200 ₸."))
    thread = ai.comment("Сколько стоит латте?")
    ai.run()
    assert _results(ai, rule) == [{"type": "ai_reply", "result": "done"}]
    replies = ai.client.list_replies(ai.token, thread.thread_key).data
    assert [r.get("text") for r in replies] == ["🤖\n\nЛатте 1200 ₸."]


def test_ai_reply_hands_over_and_is_skipped_when_unsure_or_off(ai):
    rule = _rule(ai, "dm", ["торт"])
    ai.dm("Торт на заказ можно?")
    ai.run()
    assert _results(ai, rule) == [{"type": "ai_reply", "result": "skipped", "code": "ai_off"}]

    ai.configure()
    ai.llm.then(reply("?", "unsure"))
    rule2 = _rule(ai, "dm", ["свадьба"])
    ai.dm("Свадьба у нас, поможете?")
    ai.run()
    assert _results(ai, rule2) == [{"type": "ai_reply", "result": "skipped", "code": "ai_handover"}]
    assert ai.sent_texts() == [] and len(ai.notifications()) == 1
