"""Comment rules end to end: sandbox customer -> signed webhook -> inbox -> automation job ->
public reply and private reply visible in the sandbox; cooldown, echoes, windows, caps."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.models import AutomationEvent, Contact, InboxThread, Notification
from tests.automations.conftest import CUSTOMER, CUSTOMER_2, DEMO, results

VARIANTS = ["Ответили вам в директ!", "Отправили прайс в личные сообщения 💌"]
PRICE_LIST = "Прайс: латте 1200 ₸, капучино 1100 ₸."


def price_rule(auto, **kw):
    args = {
        "name": "Цена → прайс",
        "trigger": "comment",
        "keywords": ["цена", "бағасы"],
        "actions": [
            ("public_reply", {"variants": VARIANTS}),
            ("private_reply", {"text": PRICE_LIST}),
            ("add_tags", {"tags": ["price"]}),
            ("notify", {}),
        ],
        **kw,
    }
    return auto.rule(**args)


def test_keyword_comment_gets_public_and_private_reply_once_per_cooldown(auto, session):
    rule = price_rule(auto)
    comment = auto.comment("Какая ЦЕНА на латте?")
    replies = auto.replies(comment.ig_comment_id)
    assert len(replies) == 1 and replies[0] in VARIANTS
    assert auto.sent_texts() == [PRICE_LIST]
    (firing,) = auto.firings(rule)
    assert firing.status == "fired"
    assert results(firing) == {
        "public_reply": ("done", None),
        "private_reply": ("done", None),
        "add_tags": ("done", None),
        "notify": ("done", None),
    }
    contact = session.scalar(select(Contact).where(Contact.igsid == CUSTOMER))
    assert [t.name for t in contact.tags] == ["price"]
    note = session.scalar(select(Notification).where(Notification.kind == "automation_fired"))
    assert note is not None and note.link == f"/inbox/threads/{comment.thread_id}"
    session.refresh(rule)
    assert rule.fired_count == 1

    # The same person again within the cooldown: held back, nothing sent.
    again = auto.comment("цена?")
    assert auto.replies(again.ig_comment_id) == []
    assert auto.sent_texts() == [PRICE_LIST]
    assert [f.status for f in auto.firings(rule)] == ["fired", "cooldown"]

    # Someone else: a comment without the keyword gets nothing; with it (in Kazakh) it fires.
    other = auto.comment("Керемет сурет!", customer=CUSTOMER_2)
    assert auto.replies(other.ig_comment_id) == []
    kk = auto.comment("Бағасы қанша?", customer=CUSTOMER_2)
    assert len(auto.replies(kk.ig_comment_id)) == 1
    assert auto.sent_texts(CUSTOMER_2) == [PRICE_LIST]
    assert [f.status for f in auto.firings(rule)] == ["fired", "cooldown", "fired"]


def test_a_rule_with_no_cooldown_answers_every_time(auto):
    rule = price_rule(auto, cooldown_minutes=0, actions=[("public_reply", {"variants": ["Ок"]})])
    for text in ("цена", "ЦЕНА!"):
        c = auto.comment(text)
        assert auto.replies(c.ig_comment_id) == ["Ок"]
    assert [f.status for f in auto.firings(rule)] == ["fired", "fired"]


def test_own_comments_replies_and_echoes_never_trigger(auto, session):
    price_rule(auto, cooldown_minutes=0)
    auto.rule(
        name="Any DM",
        trigger="dm",
        match_mode="any_message",
        cooldown_minutes=0,
        actions=[("send_dm", {"text": "Привет!"})],
    )
    auto.comment("цена")  # fires: the private reply comes back as an echo
    auto.settle()
    assert auto.dm_thread() is not None
    n_events = len(auto.events())
    assert n_events == 1
    now = int(time.time())
    # The account's own comment with the keyword, and an echo of a DM we sent.
    auto.webhook(
        {
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "id": "own-1",
                        "text": "цена",
                        "from": {"id": DEMO, "username": "aruzhan.coffee"},
                        "media": {"id": auto.media_id},
                    },
                }
            ]
        }
    )
    auto.webhook(
        {
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "id": "own-2",
                        "text": "цена",
                        "from": {"id": "1", "self_ig_scoped_id": "x"},
                        "media": {"id": auto.media_id},
                    },
                }
            ]
        }
    )
    auto.webhook(
        {
            "messaging": [
                {
                    "sender": {"id": DEMO},
                    "recipient": {"id": CUSTOMER},
                    "timestamp": now * 1000,
                    "message": {"mid": "echo-1", "text": "цена", "is_echo": True},
                }
            ]
        }
    )
    assert len(auto.events()) == n_events
    assert all(e.status == "done" for e in auto.events())
    # The private reply we sent was echoed into the DM thread but answered nothing.
    assert auto.sent_texts() == [PRICE_LIST]


def test_closed_windows_are_skipped_not_violated(auto, session):
    dm_rule = auto.rule(
        name="DM",
        trigger="comment",
        keywords=["доставка"],
        actions=[
            ("send_dm", {"text": "Доставляем!"}),
            ("private_reply", {"text": "Напишите адрес"}),
        ],
    )
    # A comment 8 days old (sandbox clock): no DM window, private reply expired.
    auto.stack.admin("POST", "clock", {"offset_seconds": -8 * 86400})
    auto.comment("доставка есть?")
    (firing,) = auto.firings(dm_rule)
    assert results(firing) == {
        "send_dm": ("skipped", "window_closed"),
        "private_reply": ("skipped", "private_reply_expired"),
    }
    assert auto.sent_texts() == []
    # A DM written 2 days ago: the 24-hour window is closed for automated DMs.
    auto.stack.admin("POST", "clock", {"offset_seconds": -2 * 86400})
    rule = auto.rule(
        name="DM reply",
        trigger="dm",
        keywords=["привет"],
        actions=[("send_dm", {"text": "Здравствуйте!"})],
    )
    auto.dm("Привет")
    (firing,) = auto.firings(rule)
    assert results(firing) == {"send_dm": ("skipped", "window_closed")}
    auto.stack.admin("POST", "clock", {"offset_seconds": 0})
    assert auto.sent_texts() == []


@pytest.mark.settings(AUTOMATION_MAX_REPLIES_PER_HOUR=1, AUTOMATION_MAX_MESSAGES_PER_HOUR=1)
def test_hourly_caps_hold_back_further_sends(auto):
    rule = price_rule(auto)
    auto.comment("цена")
    second = auto.comment("цена", customer=CUSTOMER_2)
    first, other = auto.firings(rule)
    assert results(first)["public_reply"] == ("done", None)
    assert results(other)["public_reply"] == ("skipped", "cap")
    assert results(other)["private_reply"] == ("skipped", "cap")
    assert auto.replies(second.ig_comment_id) == []
    assert auto.sent_texts(CUSTOMER_2) == []


def test_hide_mark_done_and_custom_field(auto, session):
    from app.services.automations.contacts import create_field

    create_field(session, auto.workspace_id, "source", "Source", "text")
    session.commit()
    rule = auto.rule(
        name="Spam",
        trigger="comment",
        keywords=["казино"],
        actions=[
            ("set_field", {"field": "source", "value": "spam {{username}}"}),
            ("remove_tags", {"tags": ["vip"]}),
            ("hide_comment", {}),
            ("mark_done", {}),
        ],
    )
    comment = auto.comment("Лучшее КАЗИНО тут")
    (firing,) = auto.firings(rule)
    assert {r["result"] for r in firing.results} == {"done"}
    assert auto.client.get_comment(auto.token, comment.ig_comment_id, fields="hidden")["hidden"]
    session.expire_all()
    thread = session.get(InboxThread, comment.thread_id)
    assert thread.status == "done"
    contact = session.scalar(select(Contact).where(Contact.igsid == CUSTOMER))
    assert [v.value for v in contact.values] == [f"spam {contact.username}"]


def test_events_wait_for_the_random_delay(stack, app, session, process):
    from tests.automations.conftest import Auto

    app.config["SETTINGS"].AUTOMATION_DELAY_SECONDS = "300-600"
    auto = Auto(stack, app, session, process)
    price_rule(auto)
    comment = auto.comment("цена")
    (event,) = auto.events()
    assert event.status == "pending" and event.comment_id == comment.id
    assert 299 <= (event.run_after - event.created_at).total_seconds() <= 601
    assert auto.replies(comment.ig_comment_id) == []
    assert session.scalar(select(AutomationEvent.status)) == "pending"
