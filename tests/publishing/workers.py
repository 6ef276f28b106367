"""Start real publishing worker processes (`python -m scheduler.publishing`) for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.models.post import Post
from tests.conftest import IG_APP_ID, IG_APP_SECRET, TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


def worker_env(database_url: str, stack, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEZEK_PUBLISH", "PUBLISH_"))}
    env.update(
        KEZEK_ENV="testing",
        DATABASE_URL=database_url,
        SECRET_KEY="test-" + "s" * 40,
        TOKEN_ENCRYPTION_KEYS=TEST_KEY,
        PUBLIC_BASE_URL=stack.url,
        INSTAGRAM_APP_ID=IG_APP_ID,
        INSTAGRAM_APP_SECRET=IG_APP_SECRET,
        INSTAGRAM_GRAPH_URL=stack.sandbox_url,
        INSTAGRAM_API_URL=stack.sandbox_url,
        INSTAGRAM_AUTHORIZE_URL=f"{stack.sandbox_url}/oauth/authorize",
        LOG_LEVEL=os.environ.get("KEZEK_WORKER_LOG_LEVEL", "WARNING"),
        PUBLISH_LEASE_SECONDS="2",
        PUBLISH_THREADS="4",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler.publishing"],
        cwd=ROOT,
        env=env,
        stdout=open(os.environ.get("KEZEK_WORKER_LOG", os.devnull), "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def count_status(session, ids, statuses) -> int:
    session.expire_all()
    session.rollback()
    return session.scalar(
        select(func.count(Post.id)).where(Post.id.in_(ids), Post.status.in_(statuses))
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
