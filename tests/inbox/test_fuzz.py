"""Random JSON at the webhook (signed and unsigned): never a 5xx; processing never crashes."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.inbox.conftest import DEMO, events

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
ids = st.sampled_from([DEMO, int(DEMO), "17841499999999999", "", None, 0, "x", -1, 2**70])
keys = st.sampled_from(
    [
        "id",
        "time",
        "changes",
        "field",
        "value",
        "messaging",
        "message",
        "mid",
        "text",
        "from",
        "parent_id",
        "media",
        "sender",
        "recipient",
        "timestamp",
        "attachments",
        "payload",
        "url",
        "type",
        "reaction",
        "read",
        "postback",
        "message_edit",
        "is_echo",
        "is_deleted",
        "reply_to",
        "story",
        "object",
        "entry",
        "num_edit",
        "emoji",
        "action",
    ]
)
json_values = st.recursive(
    scalars | ids,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(keys | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
envelopes = (
    st.fixed_dictionaries(
        {
            "object": st.sampled_from(["instagram", "page", None, 5]),
            "entry": st.lists(
                st.dictionaries(keys, json_values, max_size=6).map(lambda d: {"id": DEMO, **d}),
                max_size=3,
            ),
        }
    )
    | json_values
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=envelopes, signed=st.booleans())
def test_random_json_never_5xx(hook, process, account, session, payload, signed):
    resp = hook.post(payload, secret=None if signed else "")
    assert resp.status_code < 500
    expected = (200, 400) if signed else (403,)
    assert resp.status_code in expected
    if signed and resp.status_code == 200:
        assert json.loads(events(session)[-1].body) == payload
        counts = process()
        assert counts["failed"] == 0
        assert events(session)[-1].status == "done"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raw=st.binary(max_size=80)
    | envelopes.map(lambda p: json.dumps(p, ensure_ascii=False).encode("utf-8"))
    | envelopes.map(lambda p: json.dumps(p, ensure_ascii=False).encode("utf-16"))
)
def test_random_signed_bytes_are_stored_exactly_or_refused(hook, session, raw):
    before = len(events(session))
    resp = hook.post(None, raw=raw)
    assert resp.status_code in (200, 400)
    stored = events(session)
    if resp.status_code == 200:
        # Stored exactly as sent: never a "repaired" (lossy) copy of the body.
        assert len(stored) == before + 1 and stored[-1].body.encode("utf-8") == raw
    else:
        assert len(stored) == before
