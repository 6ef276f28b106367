"""Outgoing webhooks over real HTTP to a loopback receiver: signing, retries with back-off,
giving up, redirects, slow receivers, claims by two workers, isolation, purging."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, utcnow
from app.services import crypto
from app.services.outgoing_webhooks import emit, sending
from app.services.outgoing_webhooks import endpoints as service
from tests.automations.webhook_receiver import add_endpoint, deliver, deliveries, receiver

__all__ = ["receiver"]


@pytest.fixture
def ws(make_user):
    return make_user("alice").memberships[0].workspace


@pytest.fixture
def settings(app):
    return app.config["SETTINGS"]


def test_a_delivery_is_signed_with_the_endpoint_secret(app, session, settings, ws, receiver):
    endpoint, secret = add_endpoint(
        session, settings, ws.id, f"{receiver.url}/hook?src=kezek", ["post.published"]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    assert emit(session, ws.id, "post.published", {"post_id": "7", "caption": "Сәлем"}) == 1
    session.commit()

    assert deliver(app)["delivered"] == 1
    (hit,) = receiver.hits
    assert hit.path == "/hook?src=kezek"
    assert hit.verifies(secret)
    assert not hit.verifies(secret + "x")
    body = hit.json
    assert set(body) == {"id", "type", "created_at", "workspace_id", "data"}
    assert body["type"] == "post.published" and body["workspace_id"] == str(ws.id)
    assert body["data"] == {"post_id": "7", "caption": "Сәлем"}
    assert body["id"].startswith("evt_") and body["created_at"].endswith("Z")
    (row,) = deliveries(session, endpoint)
    assert hit.headers["X-Kezek-Event"] == "post.published"
    assert hit.headers["X-Kezek-Delivery"] == str(row.id)
    assert hit.headers["Content-Type"] == "application/json"
    assert (row.status, row.attempts, row.response_code) == ("delivered", 1, 200)
    assert row.event_id == body["id"] and row.delivered_at is not None

    # A tampered body or timestamp no longer verifies.
    tampered = type(hit)(hit.path, dict(hit.headers), hit.body.replace(b"7", b"8"))
    assert not tampered.verifies(secret)
    stale = dict(
        hit.headers, **{"X-Kezek-Timestamp": str(int(hit.headers["X-Kezek-Timestamp"]) - 1)}
    )
    assert not type(hit)(hit.path, stale, hit.body).verifies(secret)


def test_the_secret_is_encrypted_at_rest_and_rotation_signs_with_the_new_one(
    app, session, settings, ws, receiver
):
    endpoint, secret = add_endpoint(session, settings, ws.id, f"{receiver.url}/r", ["post.failed"])
    session.expire_all()
    stored = session.get(WebhookEndpoint, endpoint.id).secret_ciphertext
    assert secret not in stored and stored.startswith("v1:")
    assert service.read_secret(settings, endpoint) == secret
    other, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/o", ["post.failed"])
    other.secret_ciphertext = stored  # a ciphertext moved to another row does not decrypt
    with pytest.raises(crypto.TokenCryptoError):
        service.read_secret(settings, other)
    session.rollback()

    new = service.rotate_secret(session, settings, session.get(WebhookEndpoint, endpoint.id))
    session.commit()
    assert new != secret
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    deliver(app)
    (hit,) = receiver.at("/r")
    assert hit.verifies(new) and not hit.verifies(secret)


def test_failures_are_retried_with_growing_backoff_until_delivered(
    app, session, settings, ws, receiver
):
    endpoint, secret = add_endpoint(
        session, settings, ws.id, f"{receiver.url}/flaky", ["post.published"]
    )
    receiver.script["/flaky"] = [500, 503]
    emit(session, ws.id, "post.published", {"post_id": "1"})
    session.commit()
    t0 = utcnow()

    assert deliver(app, now=t0) == {"claimed": 1, "delivered": 0, "retrying": 1, "failed": 0}
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.attempts, row.response_code, row.last_error) == (
        "pending",
        1,
        500,
        "http_500",
    )
    first_wait = (row.next_attempt_at - t0).total_seconds()
    assert 90 * 0.8 <= first_wait <= 90 * 1.2
    # Not due yet: nothing is sent.
    assert deliver(app, now=t0 + timedelta(seconds=60))["claimed"] == 0

    t1 = row.next_attempt_at
    deliver(app, now=t1)
    (row,) = deliveries(session, endpoint)
    assert (row.attempts, row.response_code) == (2, 503)
    second_wait = (row.next_attempt_at - t1).total_seconds()
    assert 270 * 0.8 <= second_wait <= 270 * 1.2

    deliver(app, now=row.next_attempt_at)
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.attempts, row.response_code, row.last_error) == (
        "delivered",
        3,
        200,
        "",
    )
    hits = receiver.at("/flaky")
    assert len(hits) == 3
    # The same event, the same delivery id each time, each attempt freshly signed.
    assert {h.json["id"] for h in hits} == {row.event_id}
    assert {h.headers["X-Kezek-Delivery"] for h in hits} == {str(row.id)}
    assert all(h.verifies(secret) for h in hits)


def test_a_delivery_fails_after_the_last_attempt_and_can_be_retried(
    app, session, settings, ws, receiver
):
    endpoint, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/down", ["post.failed"])
    receiver.script["/down"] = [500] * sending.MAX_ATTEMPTS
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    now = utcnow()
    start = now
    for _ in range(sending.MAX_ATTEMPTS):
        deliver(app, now=now)
        (row,) = deliveries(session, endpoint)
        now = row.next_attempt_at or now
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 8, None)
    assert len(receiver.at("/down")) == 8
    span = row.last_attempt_at - start
    assert timedelta(hours=14) <= span <= timedelta(hours=24)  # about a day of trying
    assert deliver(app, now=now + timedelta(days=2))["claimed"] == 0

    assert service.retry_delivery(session, session.get(WebhookDelivery, row.id))
    session.commit()
    deliver(app)
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.attempts, row.response_code) == ("delivered", 1, 200)


def test_redirects_are_not_followed(app, session, settings, ws, receiver):
    endpoint, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/moved", ["post.failed"])
    receiver.script["/moved"] = [302]
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    deliver(app)
    (row,) = deliveries(session, endpoint)
    assert (row.status, row.response_code, row.last_error) == ("pending", 302, "http_302")
    assert [h.path for h in receiver.hits] == ["/moved"]


@pytest.mark.settings(OUTGOING_WEBHOOKS_TIMEOUT_SECONDS=1)
def test_a_slow_receiver_times_out_without_holding_up_the_others(
    app, session, settings, ws, receiver
):
    slow, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/slow", ["post.failed"])
    fast, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/fast", ["post.failed"])
    receiver.slow["/slow"] = 1.5
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    counts = deliver(app)
    assert counts["claimed"] == 2 and counts["delivered"] == 1
    (s,) = deliveries(session, slow)
    (f,) = deliveries(session, fast)
    assert (s.status, s.last_error, s.response_code) == ("pending", "timeout", None)
    assert f.status == "delivered"


def test_only_active_subscribed_endpoints_of_the_workspace_get_an_event(
    app, session, settings, ws, make_user, receiver
):
    other_ws = make_user("bob").memberships[0].workspace
    url = receiver.url
    add_endpoint(session, settings, ws.id, f"{url}/yes", ["comment.received", "post.published"])
    add_endpoint(session, settings, ws.id, f"{url}/other-event", ["comment.received"])
    add_endpoint(session, settings, ws.id, f"{url}/off", ["post.published"], active=False)
    add_endpoint(session, settings, other_ws.id, f"{url}/bob", ["post.published"])
    assert emit(session, ws.id, "post.published", {"post_id": "1"}) == 1
    session.commit()
    deliver(app)
    assert [h.path for h in receiver.hits] == ["/yes"]
    assert {d.workspace_id for d in deliveries(session)} == {ws.id}


def test_a_switched_off_endpoint_gets_no_queued_event_but_does_get_a_test(
    app, session, settings, ws, receiver
):
    endpoint, secret = add_endpoint(session, settings, ws.id, f"{receiver.url}/p", ["post.failed"])
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    service.update_endpoint(session, settings, endpoint, active=False)
    service.queue_test(session, endpoint)
    session.commit()
    deliver(app)
    rows = {d.event_type: d for d in deliveries(session, endpoint)}
    assert rows["post.failed"].status == "failed"
    assert rows["post.failed"].last_error == "endpoint_inactive"
    assert rows["ping"].status == "delivered"
    (hit,) = receiver.hits
    assert hit.json["type"] == "ping" and hit.json["data"] == {"endpoint_id": str(endpoint.id)}
    assert hit.verifies(secret)


def test_two_workers_never_claim_the_same_delivery(app, engine, session, settings, ws, receiver):
    add_endpoint(session, settings, ws.id, f"{receiver.url}/c", ["post.failed"])
    for i in range(3):
        emit(session, ws.id, "post.failed", {"post_id": str(i)})
    session.commit()
    now = utcnow()
    with Session(engine) as first, Session(engine) as second:
        mine = sending.claim_due(first, now=now)
        first.commit()
        theirs = sending.claim_due(second, now=now)
        second.commit()
        assert len(mine) == 3 and theirs == []
        # A worker that died mid-send: its lease runs out and the rows are claimed again.
        again = sending.claim_due(second, now=now + sending.LEASE + timedelta(seconds=1))
        second.commit()
        assert sorted(again) == sorted(mine)


def test_old_finished_deliveries_are_purged(app, session, settings, ws, receiver):
    endpoint, _ = add_endpoint(session, settings, ws.id, f"{receiver.url}/x", ["post.failed"])
    emit(session, ws.id, "post.failed", {"post_id": "old"})
    emit(session, ws.id, "post.failed", {"post_id": "waiting"})
    session.commit()
    old, waiting = deliveries(session, endpoint)
    old.status = "delivered"
    old.created_at = waiting.created_at = utcnow() - timedelta(days=31)
    emit(session, ws.id, "post.failed", {"post_id": "new"})
    session.commit()
    with app.app_context():
        assert sending.purge(db.session) == 1
        db.session.commit()
    left = [json.dumps(d.payload["data"]) for d in deliveries(session, endpoint)]
    assert left == ['{"post_id": "waiting"}', '{"post_id": "new"}']


def test_the_readme_verification_example_accepts_a_real_delivery(
    app, session, settings, ws, receiver
):
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Outgoing webhooks") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own README's example
    _, secret = add_endpoint(session, settings, ws.id, f"{receiver.url}/doc", ["post.failed"])
    emit(session, ws.id, "post.failed", {"post_id": "1"})
    session.commit()
    deliver(app)
    (hit,) = receiver.hits
    assert namespace["verify"](secret, hit.headers, hit.body)
    assert not namespace["verify"](secret, hit.headers, hit.body + b" ")
    old = dict(hit.headers, **{"X-Kezek-Timestamp": "1000000000"})
    assert not namespace["verify"](secret, old, hit.body)


def test_tokens_rotate_reencrypts_webhook_secrets_under_the_newest_key(
    app, session, settings, ws, receiver
):
    endpoint, secret = add_endpoint(session, settings, ws.id, f"{receiver.url}/k", ["post.failed"])
    new_key = "t2:" + base64.urlsafe_b64encode(b"w" * 32).decode()
    settings.TOKEN_ENCRYPTION_KEYS = f"{new_key},{settings.TOKEN_ENCRYPTION_KEYS}"
    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    assert result.exit_code == 0 and "Re-encrypted 1 webhook secret(s)." in result.output
    session.expire_all()
    endpoint = session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.secret_ciphertext.startswith("v1:t2:")
    assert service.read_secret(settings, endpoint) == secret
