"""The six events come from real flows: a sandbox customer's comment and DM, a rule firing,
posts published and failed through the sandbox, and a dead token."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from tests.automations.conftest import CUSTOMER, DEMO
from tests.automations.webhook_receiver import add_endpoint, deliver, receiver
from tests.publishing.conftest import env

__all__ = ["env", "receiver"]


def by_type(receiver) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for hit in receiver.hits:
        out[hit.json["type"]].append(hit.json["data"])
    return out


def dm_entry(mid: str, text: str, sender: str = CUSTOMER, recipient: str = DEMO, **extra):
    return {
        "messaging": [
            {
                "sender": {"id": sender},
                "recipient": {"id": recipient},
                "timestamp": int(time.time() * 1000),
                "message": {"mid": mid, "text": text, **extra},
            }
        ]
    }


def test_customer_comments_dms_and_fired_rules_are_sent_once(auto, app, session, receiver):
    settings = app.config["SETTINGS"]
    _, secret = add_endpoint(
        session,
        settings,
        auto.workspace_id,
        f"{receiver.url}/inbox",
        ["comment.received", "message.received", "automation.fired"],
    )
    rule = auto.rule(
        name="Цена",
        trigger="comment",
        keywords=["цена"],
        cooldown_minutes=0,
        actions=[
            ("public_reply", {"variants": ["Ответили в директ"]}),
            ("private_reply", {"text": "Прайс: латте 1200 ₸"}),
        ],
    )
    comment = auto.comment("Какая цена на латте?")
    auto.settle()  # the public reply and the private reply's echo come back as webhooks
    auto.webhook(dm_entry("m-wh-1", "Сәлем! Ашықсыздар ма?"))
    auto.webhook(dm_entry("m-wh-1", "Сәлем! Ашықсыздар ма?"))  # Meta re-sends it
    auto.webhook(dm_entry("m-wh-echo", "наш ответ", DEMO, CUSTOMER, is_echo=True))
    deliver(app)

    events = by_type(receiver)
    assert set(events) == {"comment.received", "message.received", "automation.fired"}
    (c,) = events["comment.received"]  # our own public reply is not a received comment
    assert c["comment_id"] == str(comment.id) and c["ig_comment_id"] == comment.ig_comment_id
    assert (c["text"], c["from_id"], c["account_id"]) == (
        "Какая цена на латте?",
        CUSTOMER,
        str(auto.account.id),
    )
    (m,) = events["message.received"]  # not the echo, not the repeat, not our private reply
    assert (m["mid"], m["text"], m["customer_id"]) == ("m-wh-1", "Сәлем! Ашықсыздар ма?", CUSTOMER)
    (f,) = events["automation.fired"]
    assert (f["rule_id"], f["rule_name"], f["igsid"]) == (str(rule.id), "Цена", CUSTOMER)
    assert [r["type"] for r in f["results"]] == ["public_reply", "private_reply"]
    assert all(r["result"] == "done" for r in f["results"])
    assert all(hit.verifies(secret) for hit in receiver.hits)
    body = "".join(hit.body.decode() for hit in receiver.hits)
    assert "access_token" not in body and "token" not in {
        k for d in events.values() for x in d for k in x
    }


def test_published_post_and_dead_token_are_sent_but_a_paused_post_is_not_failed(
    env, session, receiver
):
    add_endpoint(
        session,
        env.settings,
        env.workspace_id,
        f"{receiver.url}/posts",
        ["post.published", "post.failed", "account.reconnect_needed"],
    )
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="Жаңа латте ☕")
    env.run()
    post = env.fresh(post)
    assert post.status == "done"
    deliver(env.app)
    (published,) = by_type(receiver)["post.published"]
    assert published["post_id"] == str(post.id) and published["ig_media_id"] == post.ig_media_id
    assert (published["caption"], published["username"], published["type"]) == (
        "Жаңа латте ☕",
        account.username,
        "image",
    )

    (paused,) = env.create([account], "image", [env.media("image")], caption="second")
    env.fault(kind="token_invalid", endpoint="*/media", method="POST", count=1)
    env.run()
    assert env.fresh(paused).error_key == "reconnect_needed"
    env.run()  # still dead: told once only
    deliver(env.app)
    events = by_type(receiver)
    (dead,) = events["account.reconnect_needed"]
    assert (dead["account_id"], dead["username"], dead["ig_user_id"]) == (
        str(account.id),
        account.username,
        account.ig_user_id,
    )
    assert "post.failed" not in events  # paused until reconnected, not failed


def test_a_post_failing_for_good_is_sent(env, session, receiver):
    add_endpoint(session, env.settings, env.workspace_id, f"{receiver.url}/failed", ["post.failed"])
    account = env.account()
    (post,) = env.create([account], "image", [env.media("image")], caption="late")
    env.fault(kind="http_500", endpoint="*/media", method="POST", count=None)
    env.run()
    deliver(env.app)
    assert receiver.hits == []  # retrying is not failing
    env.run(now=env.fresh(post).deadline_at + timedelta(seconds=1))
    deliver(env.app)
    (failed,) = by_type(receiver)["post.failed"]
    assert (failed["post_id"], failed["error"], failed["status"]) == (
        str(post.id),
        "deadline_passed",
        "failed",
    )
