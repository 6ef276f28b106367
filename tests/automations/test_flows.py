"""DM flows over real HTTP: keyword DM -> flow with buttons -> postback -> next step; free-text
answers stored in fields with a re-ask; comment-to-DM; timeouts; counters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Contact, FlowRun, InboxComment, utcnow
from app.services.automations import flow_definitions as flow_defs
from app.services.automations.contacts import create_field
from app.services.automations.flows import expire_runs, flow_stats
from tests.automations.conftest import CUSTOMER, results

ASK = "Что вас интересует?"
ASK_PHONE = "Оставьте номер телефона, мы перезвоним."
REASK = "Это не похоже на номер. Пример: +7 701 123 45 67"


def menu_flow(auto, session, timeout=None):
    create_field(session, auto.workspace_id, "phone", "Телефон", "text")
    steps = [
        flow_defs.StepData(
            kind="question", text=ASK, buttons=[("Цены", 2), ("Адрес", 4)], timeout_minutes=timeout
        ),
        flow_defs.StepData(
            kind="question",
            text=ASK_PHONE,
            field_key="phone",
            validate="phone",
            reask_text=REASK,
            next_position=3,
        ),
        flow_defs.StepData(
            kind="text", text="Спасибо, {{username}}! Перезвоним на {{phone}}.", next_position=5
        ),
        flow_defs.StepData(kind="text", text="Мы на Абая 10."),
        flow_defs.StepData(kind="tags", tags=["flow-done"]),
    ]
    flow = flow_defs.save_flow(session, auto.workspace_id, "Меню", steps)
    session.commit()
    return flow


def run_of(session) -> FlowRun:
    session.expire_all()
    return session.scalar(select(FlowRun).order_by(FlowRun.id.desc()))


def test_dm_keyword_starts_a_flow_buttons_and_answers_move_it_on(auto, session):
    flow = menu_flow(auto, session)
    rule = auto.rule(
        name="Меню", trigger="dm", keywords=["меню"], actions=[("start_flow", {"flow_id": flow.id})]
    )
    auto.dm("Покажите МЕНЮ, пожалуйста")
    assert auto.sent_texts() == [ASK]
    (firing,) = auto.firings(rule)
    assert results(firing)["start_flow"][0] == "done"
    run = run_of(session)
    assert (run.status, run.step_position) == ("waiting", 1)
    buttons = flow.steps[0].buttons
    assert [b["title"] for b in buttons] == ["Цены", "Адрес"]

    # The customer taps "Цены": Instagram sends a postback with the button's payload.
    auto.postback(buttons[0]["payload"], "Цены")
    assert auto.sent_texts() == [ASK, ASK_PHONE]
    assert run_of(session).step_position == 2
    # A bad answer is asked again; a phone number is stored and the flow goes on.
    auto.dm("не скажу")
    assert auto.sent_texts()[-1] == REASK
    auto.dm("+7 701 123-45-67")
    contact = session.scalar(select(Contact).where(Contact.igsid == CUSTOMER))
    thanks = f"Спасибо, {contact.username or ''}! Перезвоним на +77011234567."
    assert auto.sent_texts() == [ASK, ASK_PHONE, REASK, thanks]
    run = run_of(session)
    assert run.status == "completed"
    assert [t.name for t in contact.tags] == ["flow-done"]
    stats = flow_stats(session, flow)
    assert (stats["started"], stats["completed"], stats["waiting"]) == (1, 1, 0)
    # The flow's answers were not taken for keyword rules: the rule fired once.
    assert len(auto.firings(rule)) == 1


def test_quick_reply_payload_and_typed_button_titles_work_too(auto, session):
    flow = menu_flow(auto, session)
    auto.rule(
        name="Меню",
        trigger="dm",
        keywords=["меню"],
        cooldown_minutes=0,
        actions=[("start_flow", {"flow_id": flow.id})],
    )
    auto.dm("меню")
    payload = flow.steps[0].buttons[1]["payload"]
    auto.webhook(
        {
            "messaging": [
                {
                    "sender": {"id": CUSTOMER},
                    "recipient": {"id": auto.account.ig_user_id},
                    "timestamp": int(utcnow().timestamp() * 1000),
                    "message": {
                        "mid": "qr-1",
                        "text": "Адрес",
                        "quick_reply": {"payload": payload},
                    },
                }
            ]
        }
    )
    assert auto.sent_texts() == [ASK, "Мы на Абая 10."]
    assert run_of(session).status == "completed"
    auto.dm("меню")
    auto.dm("адрес")  # typed instead of tapped
    assert auto.sent_texts()[-2:] == [ASK, "Мы на Абая 10."]


def test_comment_to_dm_flow_starts_with_the_private_reply(auto, session):
    flow = menu_flow(auto, session)
    auto.rule(
        name="Комментарий → меню",
        trigger="comment",
        keywords=["меню"],
        actions=[
            ("public_reply", {"variants": ["Написали вам в директ"]}),
            ("start_flow", {"flow_id": flow.id}),
        ],
    )
    comment = auto.comment("меню?")
    assert auto.replies(comment.ig_comment_id) == ["Написали вам в директ"]
    assert auto.sent_texts() == [ASK]  # as the one private reply
    session.expire_all()
    assert session.get(InboxComment, comment.id).private_replied_at is not None
    assert run_of(session).status == "waiting"
    auto.dm("Цены")  # the person answers: the 24-hour window opens
    assert auto.sent_texts() == [ASK, ASK_PHONE]


def test_an_unanswered_question_times_out_and_counts(auto, session):
    flow = menu_flow(auto, session, timeout=30)
    rule = auto.rule(
        name="Меню",
        trigger="dm",
        keywords=["меню"],
        cooldown_minutes=0,
        actions=[("start_flow", {"flow_id": flow.id})],
    )
    auto.dm("меню")
    assert expire_runs(session, utcnow() + timedelta(minutes=10)) == 0
    assert expire_runs(session, utcnow() + timedelta(minutes=31)) == 1
    session.commit()
    assert run_of(session).status == "timed_out"
    # After the timeout a DM is no answer any more: the keyword rule starts a new run.
    auto.dm("меню")
    assert len(auto.firings(rule)) == 2
    stats = flow_stats(session, flow)
    assert (stats["started"], stats["timed_out"], stats["waiting"]) == (2, 1, 1)
    assert stats["drop_off"] == {1: 1}


def test_a_flow_outside_the_window_does_not_start(auto, session):
    flow = menu_flow(auto, session)
    rule = auto.rule(
        name="Старое",
        trigger="comment",
        keywords=["меню"],
        actions=[("start_flow", {"flow_id": flow.id})],
    )
    auto.stack.admin("POST", "clock", {"offset_seconds": -8 * 86400})
    auto.comment("меню")
    auto.stack.admin("POST", "clock", {"offset_seconds": 0})
    (firing,) = auto.firings(rule)
    assert results(firing)["start_flow"] == ("skipped", "window_closed")
    assert auto.sent_texts() == []
    assert run_of(session).status == "failed"
