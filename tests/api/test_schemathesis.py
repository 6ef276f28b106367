"""Property-based run of the whole OpenAPI document against the live app (both backends).

Schemathesis generates valid and invalid requests for every operation from
/api/v1/openapi.json, sends them over real HTTP with a real read-write token, and checks
every answer: no 5xx, and status codes, content types, headers and bodies as documented.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.models import Identity, Role
from app.services import invitations
from app.services.api_tokens import create_token
from app.services.notifications import notify
from app.services.workspaces import add_member, create_workspace

# 12 cases per operation and mode keep `make test` within its budget; a longer local run:
# KEZEK_SCHEMATHESIS_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("KEZEK_SCHEMATHESIS_EXAMPLES", "12"))
# Operations whose input has rules JSON Schema cannot state (a timezone must be a known IANA
# name), so a schema-valid request may rightly get the documented 422.
SEMANTIC_VALIDATION = {
    "PUT /api/v1/users/me",
    "PUT /api/v1/workspaces/current",
    # Uploads are judged by their bytes (random bytes are no image), fixes by the item's state.
    "POST /api/v1/media",
    "POST /api/v1/media/{media_id}/fix",
    # Automations: keywords unless "any message", actions valid for the trigger, ids of the
    # workspace's flows, posts and fields, unique field keys, type-checked field values.
    "POST /api/v1/automations/rules",
    "PUT /api/v1/automations/rules/{rule_id}",
    "POST /api/v1/automations/flows",
    "PUT /api/v1/automations/flows/{flow_id}",
    "PUT /api/v1/contacts/{contact_id}",
    "POST /api/v1/contact-fields",
    # Posts: accounts and media of the workspace, media fitting the type, caption limits
    # (hashtags, mentions), times not in the past, edits only before publishing starts.
    "POST /api/v1/posts",
    "PATCH /api/v1/posts/{post_id}",
    # Invitations: the e-mail must be an address; send_email needs one.
    "POST /api/v1/invitations",
    # Webhook endpoints: URLs with a host and no credentials, at most 20 per workspace; only a
    # failed delivery can be retried.
    "POST /api/v1/webhook-endpoints",
    "PATCH /api/v1/webhook-endpoints/{endpoint_id}",
    "POST /api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry",
}


@pytest.fixture
def token(session, make_user, make_account):
    """A read-write token of a user with two workspaces, accounts and notifications."""
    alice = make_user("alice")
    ws = alice.memberships[0].workspace
    for name in ("cafe.salem", "almaty.books"):
        make_account(ws.id, name)
    shared = create_workspace(session, make_user("carol"), "Shared", "UTC")
    add_member(session, shared, alice, Role.VIEWER)
    for i in range(3):
        notify(session, ws.id, "token_dead", {"username": f"acc{i}"}, link="/settings/")
    for provider in ("google", "telegram"):
        session.add(Identity(user_id=alice.id, provider=provider, provider_user_id=f"{provider}-1"))
    invitations.create(session, ws.id, "editor", "bolat@example.com", alice, "127.0.0.1")
    _row, raw = create_token(session, alice, "schemathesis")
    session.commit()
    return raw


def _property_test(operation, mode, base_url: str, token: str):
    """A Hypothesis test that sends generated cases of one operation and checks the answers."""
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC_VALIDATION else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=excluded,
        )

    return check


@pytest.mark.settings(API_RATE_LIMIT_PER_MINUTE=1_000_000)
def test_the_api_matches_its_document(live_server, token):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _property_test(operation, mode, live_server.url, token)()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
