"""Hypothesis over the webhook parser and the signed_request parser: no crash, no 5xx.

Bounded for CI (derandomized, a fixed number of examples). A longer run for local use:
`KEZEK_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/faults/test_fuzz_parsers.py`,
and the atheris harness `tests/faults/fuzz_atheris.py` (see README, "Fault checks").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import WebhookEvent
from app.services.signed_request import (
    SignedRequestError,
    make_signed_request,
    parse_signed_request,
)
from app.services.webhooks import parse_body, parse_entries, signature_valid, verify_challenge

EXAMPLES = int(os.environ.get("KEZEK_FUZZ_EXAMPLES", "150"))
HTTP_EXAMPLES = max(20, EXAMPLES // 5)
SECRET = "fuzz-app-secret"
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
http_bounded = settings(bounded, max_examples=HTTP_EXAMPLES)

IDS = st.one_of(
    st.sampled_from(["17841400000000001", "", " ", "0", "-1", "x" * 300]),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
KEYS = st.sampled_from(
    "object entry id time changes field value messaging standby message mid text from "
    "username self_ig_scoped_id media media_id parent_id created_time sender recipient "
    "timestamp attachments payload url type reaction emoji action read postback title "
    "message_edit num_edit is_echo is_deleted is_unsupported reply_to story quick_reply".split()
)
SCALARS = st.one_of(
    IDS,
    st.text(max_size=30),
    st.floats(allow_nan=False),
    st.sampled_from(["comments", "live_comments", "instagram", "http://x", "page"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=40,
)
DELIVERY = st.fixed_dictionaries(
    {"object": st.sampled_from(["instagram", None, "page", 1]), "entry": st.lists(JSON, max_size=3)}
)
VALID = json.dumps(
    {
        "object": "instagram",
        "entry": [
            {
                "id": "17841400000000001",
                "time": 1700000000,
                "messaging": [
                    {
                        "sender": {"id": "6100000000000001"},
                        "recipient": {"id": "17841400000000001"},
                        "timestamp": 1700000000000,
                        "message": {"mid": "m1", "text": "hi"},
                    }
                ],
                "changes": [{"field": "comments", "value": {"id": "1", "text": "c"}}],
            }
        ],
    }
).encode()


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, delete count, insert) edits to `data`."""
    out = bytearray(data)
    for pos, cut, ins in edits:
        pos %= len(out) + 1
        out[pos : pos + cut] = ins
    return bytes(out)


EDITS = st.lists(
    st.tuples(st.integers(0, 10**6), st.integers(0, 8), st.binary(max_size=8)), max_size=6
)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- the webhook parser ----------------------------------------------------------------------


@bounded
@given(body=st.binary(max_size=600) | EDITS.map(lambda e: mutate(VALID, e)))
def test_parse_body_takes_any_bytes(body):
    data = parse_body(body)
    assert data is None or isinstance(data, dict)
    if data is not None:
        parse_entries(data)


@bounded
@given(data=DELIVERY | st.dictionaries(KEYS, JSON, max_size=6))
def test_parse_entries_takes_any_json_object(data):
    entries = parse_entries(data)
    for entry in entries:
        assert isinstance(entry.ig_id, str) and 0 < len(entry.ig_id) <= 255
        for event in entry.comments:
            assert isinstance(event.comment_id, str) and event.comment_id
        for event in entry.messaging:
            assert event.kind in ("message", "edit", "reaction", "postback", "read", "other")
            assert event.mid is None or isinstance(event.mid, str)


def test_parse_body_survives_deep_nesting_and_huge_numbers():
    for body in (b"[" * 100_000, b'{"a":' * 50_000, b'{"n": ' + b"9" * 10_000 + b"}"):
        assert parse_body(body) is None
    data = parse_body(b'{"object":"instagram","entry":[{"id":1e999,"time":NaN}]}')
    assert parse_entries(data) == []


@bounded
@given(body=st.binary(max_size=64), header=st.text(max_size=80) | st.none())
def test_signature_check_takes_any_header(body, header):
    assert signature_valid(body, header, [SECRET, "other"]) is False or header == sign(body)
    assert signature_valid(body, sign(body), ["other", SECRET]) is True


@bounded
@given(
    args=st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "x"]),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_verify_challenge_takes_any_arguments(args):
    answer = verify_challenge(args, "vërify-tøken")
    assert answer is None or (
        args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == "vërify-tøken"
    )


# -- the signed_request parser ----------------------------------------------------------------


B64 = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.+/ ", max_size=120
)


@bounded
@given(raw=st.text(max_size=200) | B64 | st.none())
def test_signed_request_refuses_garbage_with_its_own_error(raw):
    with pytest.raises(SignedRequestError):
        parse_signed_request(raw, [SECRET], max_age=300)


PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        "algorithm": st.sampled_from(["HMAC-SHA256", "hmac-sha256", "HMAC-SHA1", "", None, 7]),
        "issued_at": st.one_of(
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=5),
            st.booleans(),
            st.none(),
            st.just(int(time.time())),
        ),
        "user_id": IDS | st.text(max_size=70),
    },
).flatmap(
    lambda d: st.dictionaries(st.text(max_size=5), JSON, max_size=3).map(
        lambda extra: {**extra, **d}
    )
)


@bounded
@given(payload=PAYLOAD | JSON, secret=st.sampled_from([SECRET, "wrong-secret"]))
@example(payload={"algorithm": "HMAC-SHA256", "issued_at": math.nan, "user_id": "1"}, secret=SECRET)
@example(payload={"algorithm": "HMAC-SHA256", "issued_at": math.inf, "user_id": "1"}, secret=SECRET)
def test_signed_request_with_any_signed_payload(payload, secret):
    raw = make_signed_request(payload, secret)
    now = time.time()
    try:
        parsed = parse_signed_request(raw, ["other", SECRET], max_age=300, now=now)
    except SignedRequestError as e:
        assert e.code in (
            "malformed",
            "bad_encoding",
            "bad_signature",
            "bad_payload",
            "bad_algorithm",
            "stale",
            "no_user",
        )
        return
    # Accepted only when it is genuinely valid and fresh.
    assert secret == SECRET
    assert str(parsed["algorithm"]).upper() == "HMAC-SHA256"
    assert math.isfinite(parsed["issued_at"]) and now - 300 <= parsed["issued_at"] <= now + 300
    assert isinstance(parsed["user_id"], str) and parsed["user_id"]


# -- over HTTP: never a 5xx -------------------------------------------------------------------


@pytest.mark.settings(INSTAGRAM_APP_SECRET=SECRET, META_APP_SECRET="fuzz-meta-secret")
@http_bounded
@given(
    body=st.binary(max_size=300)
    | EDITS.map(lambda e: mutate(VALID, e))
    | DELIVERY.map(lambda d: json.dumps(d).encode()),
    signed=st.booleans(),
)
def test_webhook_endpoint_never_answers_5xx(client, session, body, signed):
    headers = {"X-Hub-Signature-256": sign(body)} if signed else {}
    resp = client.post("/webhooks/instagram", data=body, headers=headers)
    assert resp.status_code in ((200, 400) if signed else (403,)), resp.status_code
    if resp.status_code == 200 and body.startswith(b"{"):
        session.expire_all()
        stored = session.scalars(select(WebhookEvent.body).order_by(WebhookEvent.id.desc()))
        assert parse_body(stored.first()) == parse_body(body)


@pytest.mark.settings(INSTAGRAM_APP_SECRET=SECRET, META_APP_SECRET="fuzz-meta-secret")
@http_bounded
@given(
    path=st.sampled_from(["/meta/data-deletion", "/meta/deauthorize"]),
    raw=st.text(max_size=200) | PAYLOAD.map(lambda p: make_signed_request(p, SECRET)),
)
def test_meta_callbacks_never_answer_5xx(client, path, raw):
    resp = client.post(path, data={"signed_request": raw})
    assert resp.status_code < 500, resp.status_code


def test_atheris_bounded_run():
    """The coverage-guided harness (tests/faults/fuzz_atheris.py), briefly; longer locally."""
    runs = os.environ.get("KEZEK_ATHERIS_RUNS", "10000")
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("fuzz_atheris.py")),
            f"-atheris_runs={runs}",
            "-seed=1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Done {runs} in" in proc.stderr
