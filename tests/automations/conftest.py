"""Automation fixtures: the app and the sandbox together, a customer who comments and writes,
and the worker's automation job run on demand (no random delay in tests)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AutomationEvent,
    AutomationFiring,
    InboxComment,
    InboxThread,
    WebhookEvent,
)
from app.services.automations import definitions as defs
from app.services.instagram import make_client, read_token
from scheduler.automation_jobs import run_automations_once
from tests.api import conftest as api_fixtures
from tests.conftest import IG_APP_SECRET
from tests.inbox import conftest as inbox_fixtures
from tests.inbox.conftest import CUSTOMER, CUSTOMER_2, DEMO, Hook, sandbox_dms, wait_until

# The inbox tests' fixtures: alice signed in, her sandbox-connected account, webhook processing.
owner = inbox_fixtures.owner
process = inbox_fixtures.process
stack = inbox_fixtures.stack
make_token = api_fixtures.make_token


@pytest.fixture
def no_delay(app):
    app.config["SETTINGS"].AUTOMATION_DELAY_SECONDS = "0"
    return app


class Auto:
    """Acts as sandbox customers, runs the worker's jobs, reads the sandbox through Graph."""

    def __init__(self, stack, app, session, process):
        self.stack, self.app, self.session, self.process = stack, app, session, process
        self.settings = app.config["SETTINGS"]
        self.client = make_client(self.settings)
        self.token = read_token(self.settings, stack.account)
        self.account = stack.account
        self.workspace_id = stack.account.workspace_id
        self.media_id = self.client.list_media(self.token, limit=1).data[0]["id"]
        self.hook = Hook(stack.url, IG_APP_SECRET)
        # The sandbox's seeded conversations: only what is sent from now on counts.
        self.baseline = {c: len(self._sent(c)) for c in (CUSTOMER, CUSTOMER_2)}

    # -- sending as the customer --------------------------------------------------------
    def _count(self) -> int:
        self.session.expire_all()
        return self.session.scalar(select(func.count(WebhookEvent.id)))

    def _delivered(self, before: int) -> None:
        wait_until(lambda: self._count() > before)
        self.settle()

    def settle(self) -> None:
        """Wait until the sandbox delivered every webhook it emitted, then run the jobs."""
        wait_until(
            lambda: all(
                w["status"] is not None for w in self.stack.admin("GET", "state")["webhooks"]
            )
        )
        self.process()
        self.run()

    def comment(self, text: str, customer: str = CUSTOMER, media_id: str | None = None):
        before = self._count()
        made = self.stack.admin(
            "POST",
            "customer/comment",
            {"media_id": media_id or self.media_id, "customer_id": customer, "text": text},
        )
        self._delivered(before)
        return self.session.scalar(
            select(InboxComment).where(InboxComment.ig_comment_id == made["id"])
        )

    def dm(self, text: str, customer: str = CUSTOMER) -> None:
        before = self._count()
        self.stack.admin(
            "POST", "customer/message", {"ig_user_id": DEMO, "customer_id": customer, "text": text}
        )
        self._delivered(before)

    def webhook(self, entry: dict) -> None:
        """A signed delivery exactly as Meta sends it (for events the sandbox cannot emit)."""
        before = self._count()
        body = {"object": "instagram", "entry": [{"id": DEMO, "time": int(time.time()), **entry}]}
        assert self.hook.post(body).status_code == 200
        self._delivered(before)

    def postback(self, payload: str, title: str, customer: str = CUSTOMER) -> None:
        now = int(time.time() * 1000)
        self.webhook(
            {
                "messaging": [
                    {
                        "sender": {"id": customer},
                        "recipient": {"id": DEMO},
                        "timestamp": now,
                        "postback": {"mid": f"pb-{now}", "title": title, "payload": payload},
                    }
                ]
            }
        )

    # -- the worker ---------------------------------------------------------------------
    def run(self) -> int:
        with self.app.app_context():
            n = run_automations_once(db.session, self.settings, make_client(self.settings))
            db.session.commit()
        self.session.expire_all()
        return n

    # -- reading ------------------------------------------------------------------------
    def rule(self, **kw):
        data = defs.RuleData(**kw)
        rule = defs.save_rule(self.session, self.workspace_id, data)
        self.session.commit()
        return rule

    def replies(self, ig_comment_id: str) -> list[str]:
        page = self.client.list_replies(self.token, ig_comment_id)
        return [r.get("text") for r in page.data]

    def dms(self, customer: str = CUSTOMER) -> list[dict]:
        """Messages of the sandbox conversation with a customer, oldest first."""
        return sandbox_dms(self.client, self.token, customer)

    def _sent(self, customer: str) -> list[str]:
        return [m["message"] for m in self.dms(customer) if m["from"]["id"] == DEMO]

    def sent_texts(self, customer: str = CUSTOMER) -> list[str]:
        """DMs the account sent to a customer during the test, oldest first."""
        return self._sent(customer)[self.baseline.get(customer, 0) :]

    def firings(self, rule) -> list[AutomationFiring]:
        self.session.expire_all()
        return list(
            self.session.scalars(
                select(AutomationFiring)
                .where(AutomationFiring.rule_id == rule.id)
                .order_by(AutomationFiring.id)
            )
        )

    def events(self) -> list[AutomationEvent]:
        self.session.expire_all()
        return list(self.session.scalars(select(AutomationEvent).order_by(AutomationEvent.id)))

    def dm_thread(self, customer: str = CUSTOMER) -> InboxThread | None:
        self.session.expire_all()
        return self.session.scalar(
            select(InboxThread).where(InboxThread.kind == "dm", InboxThread.thread_key == customer)
        )

    def advance(self, seconds: float) -> None:
        self.stack.admin("POST", "clock", {"advance_seconds": seconds})


@pytest.fixture
def auto(stack, no_delay, session, process) -> Auto:
    return Auto(stack, no_delay, session, process)


def results(firing) -> dict[str, tuple[str, str | None]]:
    """{action type: (result, code)} of a firing."""
    return {r["type"]: (r["result"], r.get("code")) for r in firing.results or []}
