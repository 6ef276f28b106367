"""Helpers for the production-stack tests: files, schemas, processes, a production env."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from app.config import ROOT
from tests.conftest import BACKENDS, TEST_KEY

# CI clones the repository with shared/ beside it.
SCHEMAS = ROOT.parent / "shared" / "schemas"
DEPLOY = ROOT / "deploy"
# Variables of ours that must not leak from the developer's shell into a child process.
_OURS = re.compile(
    r"^(KEZEK|SECRET_KEY|TOKEN_ENCRYPTION|DATABASE_URL|PUBLIC_BASE_URL|MARIADB|BACKUP|"
    r"INSTAGRAM|META_|GUNICORN|FORWARDED|DOMAIN|ACME|MEDIA_DIR|PROXY_HOPS|HEARTBEAT|PORT$)"
)

needs_mariadb = pytest.mark.skipif(
    "mariadb" not in BACKENDS, reason="KEZEK_TEST_DBS leaves MariaDB out"
)


def load_yaml(relpath: str) -> dict:
    """A YAML file of the repository, parsed."""
    return yaml.safe_load((ROOT / relpath).read_text(encoding="utf-8"))


def load_schema(name: str) -> dict:
    """One of the shared JSON schemas."""
    path = SCHEMAS / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: clone the shared/ folder beside the repository")
    return json.loads(path.read_text(encoding="utf-8"))


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any Kezek setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not _OURS.match(k)}
    env.update(extra)
    return env


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """A complete production environment for the real app, on a test database."""
    return clean_env(
        KEZEK_ENV="production",
        SECRET_KEY="test-production-" + "s" * 40,
        TOKEN_ENCRYPTION_KEYS=TEST_KEY,
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL="https://kezek.test",
        LOG_LEVEL="INFO",
        **extra,
    )


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    """A child process with its output in a file, stopped at teardown if still running."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, check, timeout: float, what: str):
        """Poll `check()` until it returns a truthy value; fail if the process dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"exited ({self.popen.returncode}) before {what}:\n{self.output()}")
            result = check()
            if result:
                return result
            time.sleep(0.2)
        pytest.fail(f"no {what} within {timeout} s:\n{self.output()}")

    def terminate(self, timeout: float = 40) -> int:
        """SIGTERM, then the exit code (fails the test if it does not stop in time)."""
        self.popen.terminate()
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            pytest.fail(f"did not stop within {timeout} s of SIGTERM:\n{self.output()}")

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        self._out.close()


@pytest.fixture
def spawn(tmp_path):
    """Factory: start `python <args>` in the repository root; killed at teardown."""
    procs: list[Proc] = []

    def start(args: list[str], env: dict[str, str], name: str = "proc") -> Proc:
        proc = Proc(args, env, tmp_path / f"{name}-{len(procs)}.log")
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.close()
