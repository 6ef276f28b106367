"""The webhook endpoint over real HTTP: verification, signatures, storage, limits."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from app.models import InboxThread
from tests.inbox.conftest import DEMO, events

COMMENT = {
    "object": "instagram",
    "entry": [
        {
            "id": DEMO,
            "time": 1755779280,
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "id": "17900000000000101",
                        "text": "Сколько стоит?",
                        "from": {"id": "6100000000000001", "username": "aigerim.k"},
                        "media": {"id": "17900000000000001", "media_product_type": "FEED"},
                    },
                }
            ],
        }
    ],
}


def test_verification_echoes_the_challenge_with_the_right_token(app, live_server):
    token = app.config["SETTINGS"].INSTAGRAM_WEBHOOK_VERIFY_TOKEN
    url = f"{live_server.url}/webhooks/instagram"
    ok = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token},
        timeout=10,
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["Content-Type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": token + "x"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": token},
        {"hub.challenge": "1"},
        {},
    ):
        assert requests.get(url, params=params, timeout=10).status_code == 403


@pytest.mark.settings(INSTAGRAM_WEBHOOK_VERIFY_TOKEN="")
def test_verification_refused_without_a_configured_token(app, live_server):
    app.config["SETTINGS"].INSTAGRAM_WEBHOOK_VERIFY_TOKEN = ""
    resp = requests.get(
        f"{live_server.url}/webhooks/instagram",
        params={"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""},
        timeout=10,
    )
    assert resp.status_code == 403


def test_signed_batch_is_stored_raw_and_answered_200(hook, session):
    resp = hook.post(COMMENT)
    assert resp.status_code == 200
    [event] = events(session)
    assert json.loads(event.body) == COMMENT and event.status == "pending"


@pytest.mark.parametrize(
    "signature", [None, "", "sha256=", "sha256=" + "0" * 64, "sha1=abc", "garbage"]
)
def test_missing_or_bad_signature_is_403_and_stores_nothing(hook, session, signature):
    if signature is None:
        resp = hook.post(COMMENT, secret="")
    else:
        resp = hook.post(COMMENT, signature=signature)
    assert resp.status_code == 403
    assert events(session) == []


def test_signature_with_another_secret_is_refused(hook, session):
    assert hook.post(COMMENT, secret="not-the-secret").status_code == 403
    assert events(session) == []


@pytest.mark.settings(META_APP_SECRET="meta-app-secret")
def test_meta_app_secret_is_accepted_too(hook, session):
    assert hook.post(COMMENT, secret="meta-app-secret").status_code == 200
    assert hook.post(COMMENT).status_code == 200
    assert len(events(session)) == 2


def test_malformed_json_is_refused_without_a_500(hook, session):
    for raw in (b"{not json", b"", b"\xff\xfe", b"[1, 2]", b'"text"'):
        assert hook.post(None, raw=raw).status_code == 400
    assert events(session) == []


@pytest.mark.settings(WEBHOOK_MAX_BYTES=2048)
def test_oversized_body_is_413_and_not_stored(hook, session):
    big = {**COMMENT, "padding": "x" * 4096}
    assert hook.post(big).status_code == 413
    # A chunked body (no Content-Length) is bounded too.
    body = json.dumps(big).encode()
    from tests.inbox.conftest import sign

    resp = requests.post(
        hook.url,
        data=iter([body[:1000], body[1000:]]),
        timeout=10,
        headers={
            "X-Hub-Signature-256": sign(body, hook.secret),
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code == 413
    assert events(session) == []
    assert hook.post(COMMENT).status_code == 200


def test_webhook_is_csrf_exempt_and_needs_no_login(app, hook, session):
    # The app fixture keeps CSRF on: a signed POST without any token or cookie is accepted.
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert hook.post(COMMENT).status_code == 200


def test_unknown_account_is_dropped_and_counted(hook, process, session, account):
    other = json.loads(json.dumps(COMMENT).replace(DEMO, "17841499999999999"))
    mixed = {"object": "instagram", "entry": other["entry"] + COMMENT["entry"]}
    assert hook.post(mixed).status_code == 200
    counts = process()
    assert counts["dropped"] == 1
    [event] = events(session)
    assert (event.status, event.entries, event.dropped) == ("done", 2, 1)
    assert len(session.scalars(select(InboxThread)).all()) == 1
    session.refresh(account)
    assert account.last_webhook_at is not None


def test_batch_for_a_disconnected_account_is_dropped(hook, process, session, account):
    session.delete(account)
    session.commit()
    hook.post(COMMENT)
    assert process()["dropped"] == 1
    assert session.scalars(select(InboxThread)).all() == []


@pytest.mark.parametrize(
    "raw",
    [
        # JSON that json.loads(bytes) would take (it detects UTF-16/32) but that is not UTF-8.
        json.dumps(COMMENT, ensure_ascii=False).encode("utf-16"),
        json.dumps(COMMENT, ensure_ascii=False).encode("utf-32-le"),
        # A UTF-8-encoded surrogate (json.loads decodes bytes with "surrogatepass").
        b'{"object": "instagram", "entry": [], "note": "\xed\xa0\x80"}',
        # Latin-1 text and a truncated multi-byte sequence.
        '{"object": "instagram", "entry": [], "note": "café"}'.encode("latin-1"),
        '{"object": "instagram", "entry": [], "note": "Сәлем"}'.encode()[:-3] + b'"}',
    ],
    ids=["utf16", "utf32", "surrogate", "latin1", "truncated"],
)
def test_body_that_is_not_utf8_is_400_after_the_signature_and_stores_nothing(hook, session, raw):
    # Signed: checked after the signature, refused as it is, never stored "repaired".
    resp = hook.post(None, raw=raw)
    assert (resp.status_code, resp.text) == (400, "bad request")
    # Unsigned: the signature check comes first.
    assert hook.post(None, raw=raw, secret="").status_code == 403
    assert events(session) == []


def test_utf8_body_is_stored_byte_for_byte(hook, session):
    raw = json.dumps(
        {**COMMENT, "note": "Сколько стоит? Қанша тұрады? 👍", "unknown": {"nested": [1, None]}},
        ensure_ascii=False,
        indent=1,
    ).encode()
    assert hook.post(None, raw=raw).status_code == 200
    [event] = events(session)
    assert event.body.encode() == raw
