"""The worker process: starts, heartbeats in the database, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from app.config import ROOT
from app.models import WorkerHeartbeat
from tests.conftest import app_config


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def test_worker_heartbeats_and_stops_on_sigterm(database_url, session):
    env = {**os.environ, **app_config(database_url), "HEARTBEAT_SECONDS": "1"}
    env["KEZEK_ENV"] = "development"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def beats():
            session.expire_all()
            row = session.scalar(select(WorkerHeartbeat))
            return row if row is not None and row.beats >= 3 else None

        row = _wait_for(beats, 30)
        assert row is not None, "no heartbeat rows"
        assert row.beat_at > row.started_at
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read()
    assert "scheduler stopped" in output and "Traceback" not in output
    session.expire_all()
    assert session.scalar(select(WorkerHeartbeat)).stopped_at is not None
