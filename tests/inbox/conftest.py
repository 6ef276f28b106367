"""Inbox fixtures: signed webhook posting, sandbox-connected accounts, processing helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import InstagramAccount, WebhookEvent
from app.services.inbox import process_pending
from app.services.instagram import store_token
from tests.conftest import IG_APP_SECRET, login

DEMO = "17841400000000001"
DEMO_2 = "17841400000000002"
CUSTOMER = "6100000000000001"
CUSTOMER_2 = "6100000000000002"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Hook:
    """Posts webhook bodies to a running app over real HTTP."""

    def __init__(self, url: str, secret: str):
        self.url = f"{url}/webhooks/instagram"
        self.secret = secret
        self.http = requests.Session()

    def post(
        self,
        payload,
        *,
        secret: str | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret != "":
            headers["X-Hub-Signature-256"] = sign(body, secret or self.secret)
        return self.http.post(self.url, data=body, headers=headers, timeout=10)


@pytest.fixture
def hook(app, live_server) -> Hook:
    return Hook(live_server.url, app.config["SETTINGS"].INSTAGRAM_APP_SECRET)


@pytest.fixture
def process(app):
    """Run the worker's processing once, as the scheduler job does."""

    def run() -> dict:
        with app.app_context():
            counts = process_pending(db.session)
            db.session.commit()
            return counts

    return run


@pytest.fixture
def owner(make_user):
    return make_user("alice")


@pytest.fixture
def account(session, owner, app):
    """A connected account row (no token: enough for webhooks)."""
    acc = InstagramAccount(
        workspace_id=owner.memberships[0].workspace_id, ig_user_id=DEMO, username="aruzhan.coffee"
    )
    session.add(acc)
    session.commit()
    return acc


def events(session) -> list[WebhookEvent]:
    session.expire_all()
    return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def sandbox_dms(client, token: str, customer: str) -> list[dict]:
    """Messages of the sandbox conversation with a customer, oldest first (read over HTTP)."""
    convs = client.list_conversations(token, user_id=customer).data
    if not convs:
        return []
    ids = client.list_conversation_messages(token, convs[0]["id"])
    msgs = [client.get_message(token, m["id"]) for m in ids]
    # Times have whole seconds: the sandbox's increasing ids break ties.
    return sorted(msgs, key=lambda m: (m["created_time"], int(re.sub(r"\D", "", m["id"]))))


def wait_until(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll `check` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


@pytest.fixture
def stack(ig_stack, app, client, owner, session):
    """The app and the sandbox together; the sandbox delivers signed webhooks to the app;
    alice is signed in and owns a connected account with a real sandbox token."""
    ig_stack.admin(
        "POST",
        "config",
        {
            "webhook_url": f"{ig_stack.url}/webhooks/instagram",
            "webhook_secret": IG_APP_SECRET,
            "webhooks_require_subscription": False,
        },
    )
    minted = ig_stack.admin("POST", "tokens", {"ig_user_id": DEMO})
    acc = InstagramAccount(
        workspace_id=owner.memberships[0].workspace_id,
        ig_user_id=DEMO,
        username="aruzhan.coffee",
    )
    session.add(acc)
    session.flush()
    store_token(app.config["SETTINGS"], acc, minted["access_token"], minted["expires_in"])
    session.commit()
    login(client, "alice")
    ig_stack.account = acc
    return ig_stack
