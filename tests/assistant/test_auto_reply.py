"""Auto-reply: DMs inside the 24-hour window answered by the worker, or handed to the team."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.models import utcnow
from tests.assistant.conftest import API_KEY
from tests.assistant.fake_llm import reply
from tests.inbox.conftest import CUSTOMER_2

NOTE = "🤖 Это автоматический ответ."


def test_auto_reply_is_off_by_default(ai):
    ai.configure()  # the assistant on, auto-reply left at its default
    ai.dm("Есть доставка?")
    assert ai.run() == {}
    assert ai.sent_texts() == [] and ai.llm.requests == []


def test_answers_inside_the_window_with_the_disclosure_first_time_only(ai, client):
    ai.configure(auto_reply=True, disclosure_text=NOTE)
    thread = ai.dm("Есть доставка?")
    ai.llm.then(reply("Да, доставка 1000 ₸."), reply("Работаем с 8 до 22."))
    assert ai.run() == {"sent": 1}
    assert ai.sent_texts() == [f"{NOTE}\n\nДа, доставка 1000 ₸."]
    assert ai.run() == {}  # handled: never answered twice

    ai.dm("А во сколько открываетесь?")
    assert ai.run() == {"sent": 1}
    assert ai.sent_texts()[-1] == "Работаем с 8 до 22."  # no second disclosure
    # The model saw the conversation so far, including its own earlier answer.
    roles = [m["role"] for m in ai.llm.requests[-1]["body"]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    state = ai.state(thread)
    assert state.auto_replies == 2 and state.disclosed_at is not None
    page = client.get(f"/inbox/threads/{thread.id}").text
    assert 'id="assistant-auto-replied"' in page


def test_built_in_disclosure_speaks_the_customers_language(ai):
    ai.configure(auto_reply=True)
    ai.llm.then(reply("Hi! Delivery is 1000 ₸."))
    ai.dm("Hello, do you deliver?")
    assert ai.run() == {"sent": 1}
    assert ai.sent_texts() == [
        "This is an automated answer from our assistant.\n\nHi! Delivery is 1000 ₸."
    ]
    ai.llm.then(reply("Да, 1000 ₸."))
    ai.dm("Привет, доставка есть?", customer=CUSTOMER_2)
    assert ai.run() == {"sent": 1}
    assert ai.sent_texts(CUSTOMER_2) == [
        "Это автоматический ответ нашего ассистента.\n\nДа, 1000 ₸."
    ]


def test_disclosure_can_be_switched_off_by_the_operator(ai):
    ai.settings.AI_DISCLOSE_AUTOMATED = False
    ai.configure(auto_reply=True, disclosure_text=NOTE)
    ai.llm.then(reply("Да."))
    ai.dm("Есть доставка?")
    ai.run()
    assert ai.sent_texts() == ["Да."]


def test_nothing_is_sent_outside_the_24_hour_window(ai, session):
    ai.configure(auto_reply=True)
    thread = ai.dm("Есть доставка?")
    thread.last_customer_message_at = utcnow() - timedelta(hours=25)
    session.commit()
    assert ai.run() == {}
    assert ai.sent_texts() == [] and ai.llm.requests == []


@pytest.mark.parametrize(
    ("text", "script", "reason", "model_called"),
    [
        ("Хочу оформить возврат денег за заказ", None, "topic", False),
        ("Позовите, пожалуйста, оператора", None, "person", False),
        ("I want to talk to a human", None, "person", False),
        ("Можно заказать торт на свадьбу?", reply("Не знаю", "unsure"), "unsure", True),
        ("Хочу обсудить особый заказ лично", reply("", "handover"), "person", True),
    ],
)
def test_hand_over_assigns_the_team_and_sends_nothing(
    ai, client, text, script, reason, model_called
):
    ai.configure(auto_reply=True, handover_topics="возврат денег")
    if script:
        ai.llm.then(script)
    thread = ai.dm(text)
    assert ai.run() == {"handover": 1}
    assert ai.sent_texts() == []
    assert bool(ai.llm.requests) is model_called
    state = ai.state(thread)
    assert state.handed_over_at is not None and state.handover_reason == reason
    (note,) = ai.notifications()
    assert note.link == f"/inbox/threads/{thread.id}"
    assert ai.thread().status == "open" and ai.thread().unread_count >= 1
    page = client.get(f"/inbox/threads/{thread.id}").text
    assert 'id="assistant-handover"' in page

    # The assistant stays silent in that conversation until the team gives it back.
    ai.llm.then(reply("Конечно!"))
    ai.dm("Алло?")
    assert ai.run() == {} and ai.sent_texts() == []
    resp = client.post(
        f"/assistant/threads/{thread.id}/give-back",
        data={"csrf_token": _csrf(client, thread)},
    )
    assert resp.status_code == 302
    assert ai.run() == {"sent": 1}


def _csrf(client, thread):
    from tests.conftest import csrf_from

    return csrf_from(client.get(f"/inbox/threads/{thread.id}").text)


def test_model_errors_retry_then_hand_over_without_sending(ai, caplog):
    caplog.set_level(logging.DEBUG)
    ai.configure(auto_reply=True)
    thread = ai.dm("Есть доставка?")
    ai.llm.then(
        {"http": 500}, {"http": 500}, {"sleep": 2, **reply("late")}, {"raw": "{"}, {"http": 400}
    )
    assert ai.run() == {"retry": 1}
    state = ai.state(thread)
    assert state.last_error == "http_error" and state.retry_at is not None
    assert ai.run() == {}  # not before its retry time
    assert ai.run(now=utcnow() + timedelta(minutes=1)) == {"retry": 1}  # the timeout
    assert ai.state(thread).last_error == "timeout"
    assert ai.run(now=utcnow() + timedelta(minutes=5)) == {"retry": 1}  # malformed JSON
    # The fourth failure: the conversation goes to the team.
    assert ai.run(now=utcnow() + timedelta(minutes=20)) == {"handover": 1}
    assert ai.sent_texts() == []
    assert ai.state(thread).handover_reason == "model"
    assert len(ai.notifications()) == 1
    assert {c.outcome for c in ai.calls()} >= {"http_error", "timeout", "malformed"}
    assert "AI model call failed" in caplog.text
    assert API_KEY not in caplog.text and "S3CRET" not in caplog.text


def test_daily_cap_hands_over_instead_of_calling(ai):
    ai.configure(auto_reply=True, daily_cap=1)
    ai.llm.then(reply("Да."))
    ai.dm("Есть доставка?")
    assert ai.run() == {"sent": 1}
    ai.dm("А торты есть?", customer=CUSTOMER_2)
    assert ai.run() == {"handover": 1}
    assert len(ai.llm.requests) == 1
    assert ai.sent_texts(CUSTOMER_2) == []
    assert ai.state(ai.thread(CUSTOMER_2)).handover_reason == "capped"
