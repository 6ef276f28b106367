"""Every payload shape of reference §8.3, posted over HTTP and processed by the worker's code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import InboxComment, InboxMessage, InboxThread, WebhookEvent
from tests.inbox.conftest import CUSTOMER, DEMO, events

MEDIA = "17900000000000001"
T0 = 1_763_000_000  # seconds


def comment_value(
    cid, text="Сколько стоит?", parent=None, author=CUSTOMER, username="aigerim.k", **extra
):
    value = {
        "id": cid,
        "text": text,
        "from": {"id": author, "username": username},
        "media": {"id": MEDIA, "media_product_type": "FEED"},
        **extra,
    }
    if parent:
        value["parent_id"] = parent
    return value


def comments_batch(*values, flat=False, field="comments", ig_id=DEMO):
    if flat:
        entries = [{"id": ig_id, "time": T0, "field": field, "value": v} for v in values]
    else:
        entries = [
            {"id": ig_id, "time": T0, "changes": [{"field": field, "value": v} for v in values]}
        ]
    return {"object": "instagram", "entry": entries}


def messaging(*items, ig_id=DEMO):
    return {
        "object": "instagram",
        "entry": [{"id": ig_id, "time": T0 * 1000, "messaging": list(items)}],
    }


def incoming(mid, text=None, at=T0, **message):
    msg = {"mid": mid, **({"text": text} if text is not None else {}), **message}
    return {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": DEMO},
        "timestamp": at * 1000,
        "message": msg,
    }


def echo(mid, text, at=T0 + 60):
    return {
        "sender": {"id": DEMO},
        "recipient": {"id": CUSTOMER},
        "timestamp": at * 1000,
        "message": {"mid": mid, "text": text, "is_echo": True},
    }


def other(key, value, sender=CUSTOMER, at=T0 + 120):
    recipient = DEMO if sender == CUSTOMER else CUSTOMER
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": at * 1000,
        key: value,
    }


@pytest.fixture
def deliver(hook, process, account):
    def run(*payloads):
        for payload in payloads:
            assert hook.post(payload).status_code == 200
        counts = process()
        assert counts["failed"] == 0
        return counts

    return run


def threads(session, kind=None):
    session.expire_all()
    stmt = select(InboxThread).order_by(InboxThread.id)
    if kind:
        stmt = stmt.where(InboxThread.kind == kind)
    return list(session.scalars(stmt))


def comments(session):
    return list(session.scalars(select(InboxComment).order_by(InboxComment.id)))


def messages(session):
    session.expire_all()
    return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


@pytest.mark.parametrize("flat", [False, True], ids=["changes", "flat"])
def test_comment_with_or_without_changes_wrapper(deliver, session, flat):
    deliver(comments_batch(comment_value("101"), flat=flat))
    [thread] = threads(session)
    assert (thread.kind, thread.thread_key, thread.unread_count) == ("comment", "101", 1)
    assert thread.customer_username == "aigerim.k" and thread.ig_media_id == MEDIA
    assert thread.preview == "Сколько стоит?"
    [c] = comments(session)
    assert (c.ig_comment_id, c.from_id, c.is_own, c.received) == ("101", CUSTOMER, False, True)


def test_replies_join_the_thread_and_own_replies_are_not_unread(deliver, session, account):
    deliver(comments_batch(comment_value("101")))
    deliver(
        comments_batch(
            comment_value(
                "102", "Спасибо!", parent="101", author="6100000000000003", username="dana"
            ),
            comment_value("103", "5000 ₸", parent="101", author=DEMO, username="aruzhan.coffee"),
            comment_value(
                "104",
                "self",
                author="x",
                username="aruzhan.coffee",
                **{"from": {"id": "x", "username": "a", "self_ig_scoped_id": "x"}},
            ),
        )
    )
    first, own = threads(session)
    assert first.unread_count == 2 and first.customer_username == "aigerim.k"
    assert own.unread_count == 0
    by_id = {c.ig_comment_id: c for c in comments(session)}
    assert by_id["103"].is_own and by_id["104"].is_own and not by_id["102"].is_own
    assert by_id["102"].thread_id == first.id


def test_live_comments_and_extra_value_fields(deliver, session):
    deliver(
        comments_batch(
            comment_value(
                "201", ad_id="1", ad_title="t", original_media_id="2", unknown={"nested": [1, 2]}
            ),
            field="live_comments",
        )
    )
    assert [c.ig_comment_id for c in comments(session)] == ["201"]


def test_duplicate_deliveries_store_once(deliver, session):
    batch = comments_batch(comment_value("101"))
    dm = messaging(incoming("m1", "Сәлем!"))
    deliver(batch, batch, dm, dm)
    deliver(batch, dm)
    assert len(comments(session)) == 1 and len(messages(session)) == 1
    assert [t.unread_count for t in threads(session)] == [1, 1]
    assert all(e.status == "done" for e in events(session))


def test_reply_before_its_parent(deliver, session):
    deliver(
        comments_batch(
            comment_value("102", "ответ", parent="101", author="6100000000000003", username="dana")
        )
    )
    [thread] = threads(session)
    assert thread.thread_key == "101" and thread.customer_username == "dana"
    deliver(comments_batch(comment_value("101", "первый")))
    [thread] = threads(session)
    assert thread.customer_username == "aigerim.k" and thread.unread_count == 2
    assert {c.ig_comment_id for c in comments(session)} == {"101", "102"}


def test_message_text_and_attachments(deliver, session):
    deliver(
        messaging(
            incoming("m1", "Сәлем!"),
            incoming(
                "m2",
                at=T0 + 1,
                attachments=[
                    {"type": "image", "payload": {"url": "https://cdn.example/1.jpg"}},
                    {"type": "video", "payload": {"url": "https://cdn.example/1.mp4"}},
                    {"type": "ig_reel", "payload": {"reel_video_id": "5", "title": "x"}},
                    {"type": "share", "payload": {"url": "https://cdn.example/p"}},
                    {"type": "future_kind", "payload": "weird"},
                    "not a dict",
                ],
            ),
            incoming(
                "m3",
                at=T0 + 2,
                attachments=[
                    {"type": "story_mention", "payload": {"url": "https://cdn.example/s.jpg"}}
                ],
            ),
            incoming(
                "m4",
                "nice story",
                at=T0 + 3,
                reply_to={"story": {"url": "https://cdn.example/s2.jpg", "id": "9"}},
            ),
            incoming("m5", at=T0 + 4, is_unsupported=True),
            incoming(
                "m6",
                "with a reply",
                at=T0 + 5,
                reply_to={"mid": "m1"},
                quick_reply={"payload": "A"},
                referral={"ref": "r", "ad_id": "1", "source": "ADS", "type": "OPEN_THREAD"},
            ),
        )
    )
    [thread] = threads(session)
    assert thread.kind == "dm" and thread.thread_key == CUSTOMER and thread.unread_count == 6
    assert thread.last_customer_message_at is not None
    m = {x.mid: x for x in messages(session)}
    assert m["m1"].text == "Сәлем!" and not m["m1"].outgoing
    types = [a["type"] for a in m["m2"].attachments]
    assert types == ["image", "video", "ig_reel", "share", "future_kind", "unknown"]
    assert m["m2"].attachments[0]["url"] == "https://cdn.example/1.jpg"
    assert m["m3"].story_mention and m["m4"].story_reply_url == "https://cdn.example/s2.jpg"
    assert m["m5"].kind == "unsupported" and m["m6"].reply_to_mid == "m1"


def test_echo_is_an_outgoing_message_and_not_unread(deliver, session):
    deliver(messaging(incoming("m1", "Сәлем!"), echo("m2", "Сәлеметсіз бе!")))
    [thread] = threads(session)
    out = {x.mid: x for x in messages(session)}["m2"]
    assert out.outgoing and out.text == "Сәлеметсіз бе!" and thread.unread_count == 1
    assert thread.preview == "Сәлеметсіз бе!"


def test_edit_delete_reaction_read_postback(deliver, session):
    deliver(messaging(incoming("m1", "Сәлем!"), echo("m2", "Hi")))
    deliver(
        messaging(
            other("message_edit", {"mid": "m1", "text": "Сәлем, edited", "num_edit": 1}),
            other("reaction", {"mid": "m2", "action": "react", "reaction": "love", "emoji": "❤"}),
            other(
                "reaction",
                {"mid": "m1", "action": "react", "reaction": "haha", "emoji": "😂"},
                sender=DEMO,
            ),
            other("read", {"mid": "m2"}),
            other("postback", {"mid": "m3", "title": "Меню", "payload": "MENU"}),
            other("referral", {"ref": "r", "source": "SHORTLINK", "type": "OPEN_THREAD"}),
            other("optin", {"ref": "x"}),
        )
    )
    m = {x.mid: x for x in messages(session)}
    assert m["m1"].text == "Сәлем, edited" and m["m1"].num_edit == 1
    assert m["m2"].reactions == {"customer": "❤"} and m["m1"].reactions == {"account": "😂"}
    assert m["m2"].read
    assert m["m3"].kind == "postback" and m["m3"].text == "Меню"
    [thread] = threads(session)
    assert thread.customer_read_at is not None
    deliver(
        messaging(
            other("reaction", {"mid": "m2", "action": "unreact"}),
            other("message", {"mid": "m1", "is_deleted": True}),
        )
    )
    m = {x.mid: x for x in messages(session)}
    assert m["m2"].reactions is None and m["m1"].deleted


def test_out_of_order_edit_reaction_and_delete_before_the_message(deliver, session):
    deliver(
        messaging(
            other("message_edit", {"mid": "m1", "text": "v2", "num_edit": 2}),
            other("message_edit", {"mid": "m1", "text": "v1", "num_edit": 1}),
            other("reaction", {"mid": "m1", "action": "react", "emoji": "👍"}),
            other("message", {"mid": "m9", "is_deleted": True}),
        )
    )
    assert [x.received for x in messages(session)] == [False, False]
    deliver(messaging(incoming("m1", "v0"), incoming("m9", "secret", at=T0 + 1)))
    m = {x.mid: x for x in messages(session)}
    assert m["m1"].received and m["m1"].text == "v2" and m["m1"].reactions == {"customer": "👍"}
    assert m["m9"].deleted


def test_older_message_arriving_late_keeps_the_newest_preview(deliver, session):
    deliver(messaging(incoming("m2", "newer", at=T0 + 100)))
    deliver(messaging(incoming("m1", "older", at=T0)))
    [thread] = threads(session)
    assert thread.preview == "newer" and thread.unread_count == 2


def test_self_messages_and_unknown_shapes_are_ignored(deliver, session):
    deliver(
        messaging(
            {
                "sender": {"id": DEMO},
                "recipient": {"id": DEMO},
                "timestamp": T0,
                "message": {"mid": "self", "text": "x", "is_echo": True, "is_self": True},
            }
        ),
        {
            "object": "instagram",
            "entry": [
                {
                    "id": DEMO,
                    "time": T0,
                    "changes": [
                        {"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}},
                        {"field": "story_insights", "value": {}},
                        "junk",
                    ],
                }
            ],
        },
        {"object": "page", "entry": [{"id": DEMO, "messaging": [incoming("pg", "x")]}]},
        {
            "object": "instagram",
            "entry": [
                {"id": None},
                {"id": True},
                5,
                {"id": DEMO, "messaging": [{"message": {"mid": "nobody"}}]},
            ],
        },
        {"unexpected": True},
        messaging(incoming(12345678901234567890, 42)),
    )
    assert [x.mid for x in messages(session)] == ["12345678901234567890"]
    assert messages(session)[0].text is None
    assert all(e.status == "done" for e in session.scalars(select(WebhookEvent)))


def test_lone_surrogate_escapes_are_stored_as_replacement_characters(deliver, session):
    # "\ud800" is valid JSON but no UTF-8 text: it must not fail the whole batch.
    deliver(
        comments_batch(comment_value("301", text="bad \ud800 text", username="u\udc80")),
        messaging(incoming("m-sur", "hi \udfff")),
    )
    [comment] = comments(session)
    assert comment.text == "bad \ufffd text"
    [message] = messages(session)
    assert message.text == "hi \ufffd"
    assert [t.customer_username for t in threads(session, "comment")] == ["u\ufffd"]
