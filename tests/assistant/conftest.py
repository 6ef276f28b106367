"""Assistant fixtures: the fake model server, the sandbox stack, a customer who writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AssistantCall,
    AssistantSettings,
    AssistantThread,
    InboxThread,
    KnowledgeItem,
    Notification,
    WebhookEvent,
)
from app.services.instagram import make_client, read_token
from scheduler.assistant_jobs import run_assistant_once
from scheduler.automation_jobs import run_automations_once
from tests.assistant.fake_llm import FakeLlm
from tests.inbox import conftest as inbox_fixtures
from tests.inbox.conftest import CUSTOMER, CUSTOMER_2, DEMO, sandbox_dms, wait_until

owner = inbox_fixtures.owner
process = inbox_fixtures.process
stack = inbox_fixtures.stack

API_KEY = "sk-test-" + "S3CRET" * 6


@pytest.fixture
def llm():
    server = FakeLlm()
    yield server
    server.stop()


@pytest.fixture
def model_settings(app, llm):
    """Point the app at the fake model server (no pauses before automated answers)."""
    s = app.config["SETTINGS"]
    s.AI_API_BASE_URL = f"{llm.url}/v1"
    s.AI_API_KEY = API_KEY
    s.AI_MODEL = "fake-model"
    s.AI_TIMEOUT_SECONDS = 1
    s.AI_REPLY_DELAY_SECONDS = 0
    s.AUTOMATION_DELAY_SECONDS = "0"
    return s


PROFILE = {
    "business_name": "Aruzhan Coffee",
    "offer": "Кофе, десерты и зерно на вынос",
    "prices": "Латте 1200 ₸, капучино 1100 ₸",
    "hours": "Ежедневно 8:00–22:00",
    "address": "Алматы, ул. Абая 10",
    "tone": "дружелюбно и коротко",
}
KNOWLEDGE = [
    ("qa", "Есть ли доставка?", "Доставка по Алматы 1000 ₸, бесплатно от 10 000 ₸."),
    ("qa", "Можно ли с собакой?", "Да, у нас dog-friendly веранда."),
    ("doc", "Wi-Fi", "Пароль от Wi-Fi спросите у бариста."),
]


class Ai:
    """Acts as sandbox customers, runs the worker's jobs, reads what the account sent."""

    def __init__(self, stack, app, session, process, llm):
        self.stack, self.app, self.session, self.process, self.llm = (
            stack,
            app,
            session,
            process,
            llm,
        )
        self.settings = app.config["SETTINGS"]
        self.client = make_client(self.settings)
        self.token = read_token(self.settings, stack.account)
        self.account = stack.account
        self.baseline = {c: len(self._sent(c)) for c in (CUSTOMER, CUSTOMER_2)}

    def configure(self, **prefs) -> AssistantSettings:
        row = self.session.scalar(
            select(AssistantSettings).where(AssistantSettings.account_id == self.account.id)
        )
        if row is None:
            row = AssistantSettings(
                workspace_id=self.account.workspace_id, account_id=self.account.id
            )
            self.session.add(row)
        for k, v in {"enabled": True, **PROFILE, **prefs}.items():
            setattr(row, k, v)
        for kind, title, body in KNOWLEDGE if not self.knowledge_count() else []:
            self.session.add(
                KnowledgeItem(
                    workspace_id=self.account.workspace_id,
                    account_id=self.account.id,
                    kind=kind,
                    title=title,
                    body=body,
                )
            )
        self.session.commit()
        return row

    def knowledge_count(self) -> int:
        return self.session.scalar(select(func.count(KnowledgeItem.id)))

    def _count(self) -> int:
        self.session.expire_all()
        return self.session.scalar(select(func.count(WebhookEvent.id)))

    def dm(self, text: str, customer: str = CUSTOMER) -> InboxThread:
        before = self._count()
        self.stack.admin(
            "POST", "customer/message", {"ig_user_id": DEMO, "customer_id": customer, "text": text}
        )
        wait_until(lambda: self._count() > before)
        wait_until(
            lambda: all(
                w["status"] is not None for w in self.stack.admin("GET", "state")["webhooks"]
            )
        )
        self.process()
        return self.thread(customer)

    def comment(self, text: str, customer: str = CUSTOMER) -> InboxThread:
        media_id = self.client.list_media(self.token, limit=1).data[0]["id"]
        before = self._count()
        self.stack.admin(
            "POST",
            "customer/comment",
            {"media_id": media_id, "customer_id": customer, "text": text},
        )
        wait_until(lambda: self._count() > before)
        self.process()
        self.session.expire_all()
        return self.session.scalar(select(InboxThread).where(InboxThread.kind == "comment"))

    def thread(self, customer: str = CUSTOMER) -> InboxThread | None:
        self.session.expire_all()
        return self.session.scalar(
            select(InboxThread).where(InboxThread.kind == "dm", InboxThread.thread_key == customer)
        )

    def run(self, now=None) -> dict:
        """The worker's jobs: keyword automations first (as they run), then the assistant."""
        with self.app.app_context():
            run_automations_once(db.session, self.settings, make_client(self.settings))
            db.session.commit()
            out = run_assistant_once(db.session, self.settings, make_client(self.settings), now=now)
        self.session.expire_all()
        return out

    def _sent(self, customer: str) -> list[str]:
        return [
            m["message"]
            for m in sandbox_dms(self.client, self.token, customer)
            if m["from"]["id"] == DEMO
        ]

    def sent_texts(self, customer: str = CUSTOMER) -> list[str]:
        """DMs the account sent to a customer during the test (read from the sandbox)."""
        return self._sent(customer)[self.baseline.get(customer, 0) :]

    def state(self, thread) -> AssistantThread | None:
        self.session.expire_all()
        return self.session.scalar(
            select(AssistantThread).where(AssistantThread.thread_id == thread.id)
        )

    def calls(self) -> list[AssistantCall]:
        self.session.expire_all()
        return list(self.session.scalars(select(AssistantCall).order_by(AssistantCall.id)))

    def notifications(self, kind: str = "assistant_handover") -> list[Notification]:
        self.session.expire_all()
        return list(self.session.scalars(select(Notification).where(Notification.kind == kind)))


@pytest.fixture
def ai(stack, app, session, process, llm, model_settings) -> Ai:
    return Ai(stack, app, session, process, llm)
