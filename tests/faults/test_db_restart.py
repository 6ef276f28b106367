"""The database server restarts under load: gunicorn and the scheduler (real processes, on a
private MariaDB server) recover by themselves, and nothing is lost or done twice.

Load through both restarts (a crash, SIGKILL, then a clean SIGTERM shutdown): signed webhook
deliveries (DMs and comments, each with a unique id; Meta delivers again after any non-200)
and scheduled image posts falling due before, during and after each outage. Afterwards every
accepted delivery is stored and applied exactly once, every post is published exactly once
(the sandbox counts `media_publish` per container), and both processes still run.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import signal
import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import make_engine
from app.migrate import upgrade
from app.models import WorkerHeartbeat, utcnow
from app.models.inbox import InboxComment, InboxMessage, WebhookEvent
from app.models.post import Post
from tests.conftest import IG_APP_SECRET, PASSWORD, app_config
from tests.faults.conftest import child_env
from tests.faults.mariadb_server import free_port
from tests.faults.processes import (
    comment_id,
    ready,
    seed_owner_with_posts,
    sign_in,
    webhook_delivery,
)

pytestmark = pytest.mark.timeout(300)

ACCOUNTS = ("17841400000000001", "17841400000000002", "17841400000000003")
CUSTOMER = "6100000000000001"
TAG = "fault"
POSTS = 24


def signed(body: bytes) -> str:
    return "sha256=" + hmac.new(IG_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender(threading.Thread):
    """Delivers webhooks as Meta does: again and again until a 200 (counting every try)."""

    def __init__(self, url: str, rate: float):
        super().__init__(daemon=True)
        self.url, self.interval = url, 1 / rate
        self.stop = threading.Event()
        self.accepted: list[str] = []
        self.refused: dict[int | str, int] = {}
        self.http = requests.Session()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            key, body = webhook_delivery(n, ACCOUNTS[0], CUSTOMER, TAG)
            while True:
                try:
                    resp = self.http.post(
                        self.url,
                        data=body,
                        headers={"X-Hub-Signature-256": signed(body)},
                        timeout=10,
                    )
                    status: int | str = resp.status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                if status == 200:
                    self.accepted.append(key)
                    break
                self.refused[status] = self.refused.get(status, 0) + 1
                time.sleep(0.2)
            n += 1
            time.sleep(self.interval)


def test_app_and_scheduler_survive_database_restarts_without_loss(
    private_mariadb, stub_stack, spawn
):
    db = private_mariadb
    db.execute("DROP DATABASE IF EXISTS kezek_restart")
    db.execute("CREATE DATABASE kezek_restart CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = f"{db.url}kezek_restart?charset=utf8mb4"
    upgrade(url)
    post_ids = seed_owner_with_posts(
        url,
        stub_stack.url,
        app_config(url),
        username="faults-owner",
        password=PASSWORD,
        accounts=ACCOUNTS,
        posts=POSTS,
        # Due from 6 s from now on, one every 0.6 s: before, during and after both outages.
        start=utcnow() + timedelta(seconds=6),
        every=0.6,
    ).post_ids

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = {"AUTOMATION_DELAY_SECONDS": "0", "DB_CONNECT_RETRY_SECONDS": "60"}
    gunicorn = spawn(
        ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app.wsgi:app"],
        child_env(
            url,
            stub_stack.url,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="4",
            **common,
        ),
        "gunicorn",
    )
    scheduler = spawn(
        ["-m", "scheduler"],
        child_env(
            url,
            stub_stack.url,
            HEARTBEAT_SECONDS="1",
            INBOX_PROCESS_SECONDS="1",
            PUBLISH_LEASE_SECONDS="5",
            PUBLISH_THREADS="4",
            **common,
        ),
        "scheduler",
    )
    gunicorn.wait_until(lambda: ready(base), 90, "an answer on /readyz")
    engine = make_engine(url)

    def beats() -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.coalesce(func.sum(WorkerHeartbeat.beats), 0)))

    scheduler.wait_until(lambda: beats() >= 1, 90, "a heartbeat")
    dashboard = sign_in(base, "faults-owner", PASSWORD)
    assert dashboard.get(f"http://127.0.0.1:{port}/publishing/", timeout=10).status_code == 200

    sender = WebhookSender(f"http://127.0.0.1:{port}/webhooks/instagram", rate=25)
    sender.start()
    time.sleep(3)
    db.restart(signal.SIGKILL, down_seconds=2)  # a crash: in-flight commits cut off
    time.sleep(3)
    db.restart(signal.SIGTERM, down_seconds=2)  # a clean shutdown and start
    time.sleep(3)
    sender.stop.set()
    sender.join(60)
    engine.dispose()  # our own pooled connections died with the server

    # Both processes recovered on their own: same pids, ready, beating, serving pages.
    assert gunicorn.alive() and scheduler.alive()
    gunicorn.wait_until(lambda: ready(base), 60, "/readyz after the restarts")
    before = beats()
    scheduler.wait_until(lambda: beats() >= before + 2, 60, "heartbeats after the restarts")
    for path in ("/", "/publishing/", "/inbox/"):
        resp = dashboard.get(f"http://127.0.0.1:{port}{path}", timeout=10)
        assert resp.status_code == 200, (path, resp.status_code)
    assert sender.refused, "the outages were not noticed: the test exercised nothing"

    def settled() -> bool:
        with engine.connect() as conn:
            open_posts = conn.scalar(
                select(func.count(Post.id)).where(
                    Post.id.in_(post_ids), Post.status.not_in(("done", "failed"))
                )
            )
            pending = conn.scalar(
                select(func.count(WebhookEvent.id)).where(WebhookEvent.status != "done")
            )
        return open_posts == 0 and pending == 0

    scheduler.wait_until(settled, 120, "every post and webhook batch processed")

    with Session(engine) as s:
        posts = s.scalars(select(Post).where(Post.id.in_(post_ids))).all()
        failed = [(p.id, p.error_key) for p in posts if p.status != "done"]
        assert failed == [], failed
        media_ids = [p.ig_media_id for p in posts]
        assert None not in media_ids and len(set(media_ids)) == POSTS
        mids = s.scalars(select(InboxMessage.mid).where(InboxMessage.mid.like("mid.fault.%")))
        comments = s.scalars(
            select(InboxComment.ig_comment_id).where(
                InboxComment.ig_comment_id.like(comment_id(TAG, 0)[:5] + "%")
            )
        )
        stored = sorted([*mids, *comments])
        raw = list(s.scalars(select(WebhookEvent.body)))
    # Applied exactly once each: none lost, none twice (unique keys make Meta's retries safe).
    assert sorted(sender.accepted) == stored
    assert len(set(stored)) == len(stored) > 100
    # Every accepted delivery is in a stored batch (at least once: a delivery whose commit
    # was cut by the crash may be answered 503, delivered again and stored twice).
    pattern = r'"(mid\.fault\.\d+|' + comment_id(TAG, 0)[:5] + r'\d{10})"'
    raw_keys = {k for body in raw for k in re.findall(pattern, body)}
    assert set(sender.accepted) <= raw_keys

    state = requests.get(f"{stub_stack.url}/_sandbox/_admin/state", timeout=10).json()
    published = state["published_containers"]
    assert len(published) == POSTS  # one container published per post
    assert all(n == 1 for n in state["publish_calls"].values()), state["publish_calls"]
    assert sorted(published.values()) == sorted(media_ids)
    for name, proc in (("gunicorn", gunicorn), ("scheduler", scheduler)):
        assert proc.alive(), f"{name} died:\n{proc.output()[-3000:]}"
    engine.dispose()
