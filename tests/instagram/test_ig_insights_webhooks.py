"""Insights with the 2025 deprecations, subscribed_apps and signed webhooks."""

from __future__ import annotations

import queue

import pytest
import requests
from ig_helpers import ACCOUNT, CUSTOMER, WEBHOOK_SECRET, valid_signature

from app.instagram import InstagramError


def test_account_insights_total_value_with_breakdown(client, token):
    data = client.get_account_insights(token, metrics=["reach"], breakdown="media_product_type")
    item = data[0]
    assert item["name"] == "reach" and item["period"] == "day"
    breakdown = item["total_value"]["breakdowns"][0]
    assert breakdown["dimension_keys"] == ["media_product_type"]
    assert {r["dimension_values"][0] for r in breakdown["results"]} >= {"POST", "REEL"}


def test_account_reach_time_series(client, token):
    data = client.get_account_insights(token, metrics=["reach"], metric_type="time_series")
    assert data[0]["values"] and "total_value" not in data[0]


@pytest.mark.parametrize("metric", ["impressions", "profile_views", "website_clicks"])
def test_deprecated_account_metrics_refused(client, token, metric):
    with pytest.raises(InstagramError) as info:
        client.get_account_insights(token, metrics=[metric])
    assert info.value.code == 100


def test_unsupported_breakdown_is_unknown_error(client, token):
    with pytest.raises(InstagramError) as info:
        client.get_account_insights(token, metrics=["replies"], breakdown="follow_type")
    assert info.value.message == "An unknown error has occurred."


def test_media_insights_and_deprecations(client, token):
    media_id = client.list_media(token, limit=1).data[0]["id"]
    values = client.get_media_insights(token, media_id, metrics=["reach", "views", "likes"])
    assert set(values) == {"reach", "views", "likes"}
    assert all(isinstance(v, int) for v in values.values())
    for metric in ("impressions", "plays", "video_views"):
        with pytest.raises(InstagramError):
            client.get_media_insights(token, media_id, metrics=[metric])


def test_subscribed_apps_post_get_delete(client, token):
    assert client.list_webhook_subscriptions(token) == []
    assert client.subscribe_webhooks(token, fields=["comments", "messages"])
    subs = client.list_webhook_subscriptions(token)
    assert subs[0]["subscribed_fields"] == ["comments", "messages"]
    with pytest.raises(InstagramError):
        client.subscribe_webhooks(token, fields=["story_insights"])
    assert client.unsubscribe_webhooks(token)
    assert client.list_webhook_subscriptions(token) == []


@pytest.fixture
def hooked(sandbox_factory, client_for, webhook_receiver):
    """Sandbox that delivers webhooks to the loopback receiver."""
    sandbox = sandbox_factory(webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET)
    client = client_for(sandbox)
    token = sandbox.token()
    client.subscribe_webhooks(token, fields=["comments", "messages", "message_echoes"])
    return sandbox, client, token


def test_customer_comment_emits_signed_comments_webhook(hooked, webhook_receiver):
    sandbox, client, token = hooked
    media_id = client.list_media(token, limit=1).data[0]["id"]
    created = sandbox.admin(
        "POST",
        "customer/comment",
        {"media_id": media_id, "customer_id": CUSTOMER, "text": "Сколько стоит?"},
    )
    payload, body, signature = webhook_receiver.next()
    assert valid_signature(body, signature, WEBHOOK_SECRET)
    assert not valid_signature(body, signature, "wrong")
    entry = payload["entry"][0]
    assert payload["object"] == "instagram" and entry["id"] == ACCOUNT
    change = entry["changes"][0]
    assert change["field"] == "comments"
    value = change["value"]
    assert value["id"] == created["id"] and value["text"] == "Сколько стоит?"
    assert value["from"] == {"id": CUSTOMER, "username": "aigerim_k"}
    assert value["media"] == {"id": media_id, "media_product_type": "FEED"}
    assert created["id"] in [c["id"] for c in client.list_comments(token, media_id).data]


def test_flat_comment_shape_variant(hooked, webhook_receiver):
    sandbox, client, token = hooked
    sandbox.configure(comments_webhook_shape="flat")
    media_id = client.list_media(token, limit=1).data[0]["id"]
    sandbox.admin("POST", "customer/comment", {"media_id": media_id})
    payload, _, _ = webhook_receiver.next()
    entry = payload["entry"][0]
    assert entry["field"] == "comments" and "changes" not in entry


def test_customer_dm_emits_messages_webhook_and_echo(hooked, webhook_receiver):
    sandbox, client, token = hooked
    sent = sandbox.admin(
        "POST",
        "customer/message",
        {"ig_user_id": ACCOUNT, "customer_id": CUSTOMER, "text": "Сәлем!"},
    )
    payload, body, signature = webhook_receiver.next()
    assert valid_signature(body, signature, WEBHOOK_SECRET)
    event = payload["entry"][0]["messaging"][0]
    assert event["sender"] == {"id": CUSTOMER}
    assert event["recipient"] == {"id": ACCOUNT}
    assert event["message"] == {"mid": sent["mid"], "text": "Сәлем!"}
    client.send_text(token, recipient_id=CUSTOMER, text="Рахмет!")
    echo, _, _ = webhook_receiver.next()
    message = echo["entry"][0]["messaging"][0]["message"]
    assert message["is_echo"] is True and message["text"] == "Рахмет!"


def test_no_webhook_without_subscription(sandbox_factory, webhook_receiver):
    sandbox = sandbox_factory(webhook_url=webhook_receiver.url)
    sandbox.admin("POST", "customer/message", {"ig_user_id": ACCOUNT})
    with pytest.raises(queue.Empty):
        webhook_receiver.next(timeout=0.5)


def test_delivery_failure_is_logged_not_raised(sandbox_factory, client_for):
    sandbox = sandbox_factory(webhook_url="http://127.0.0.1:9/unreachable")
    client = client_for(sandbox)
    token = sandbox.token()
    client.subscribe_webhooks(token, fields=["messages"])
    assert sandbox.admin("POST", "customer/message", {"ig_user_id": ACCOUNT})["mid"]


def test_demo_customer_page_and_form_post(sandbox_server):
    page = requests.get(f"{sandbox_server.url}/_admin/customer", timeout=5)
    assert page.status_code == 200 and "aigerim_k" in page.text
    resp = requests.post(
        f"{sandbox_server.url}/_admin/customer/message",
        data={"ig_user_id": ACCOUNT, "text": "hi"},
        timeout=5,
    )
    assert resp.status_code == 200 and "Done" in resp.text
