"""Fixtures of the fault checks: a private MariaDB server, real processes, a media stub."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from app.config import ROOT
from tests.conftest import IG_APP_ID, IG_APP_SECRET, TEST_KEY
from tests.faults import processes
from tests.faults.mariadb_server import PrivateMariaDB

# Fixtures of other areas the fault checks drive (imported, so registered here too).
from tests.inbox.conftest import owner, process, stack  # noqa: F401, E402
from tests.media.conftest import editor  # noqa: F401, E402
from tests.publishing.conftest import env  # noqa: F401, E402


def child_env(database_url: str, base_url: str, **extra) -> dict[str, str]:
    """Settings of a real Kezek process of the tests, on `database_url` and the stub at
    `base_url`."""
    return processes.child_env(
        database_url,
        base_url,
        secret_key="test-" + "s" * 40,
        encryption_keys=TEST_KEY,
        app_id=IG_APP_ID,
        app_secret=IG_APP_SECRET,
        **extra,
    )


class Child:
    """A real `python <args>` process of the repository, output kept in a file."""

    def __init__(self, args: list[str], environ: dict[str, str], log: Path):
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=environ,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, check, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail(f"exited ({self.popen.returncode}) before {what}:\n{self.output()}")
            result = check()
            if result:
                return result
            time.sleep(0.2)
        pytest.fail(f"no {what} within {timeout} s:\n{self.output()[-5000:]}")

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._out.close()


@pytest.fixture
def spawn(tmp_path):
    """Factory: start `python <args>` in the repository root; stopped at teardown."""
    children: list[Child] = []

    def start(args: list[str], environ: dict[str, str], name: str) -> Child:
        child = Child(args, environ, tmp_path / f"{name}-{len(children)}.log")
        children.append(child)
        return child

    yield start
    for child in children:
        child.close()


@pytest.fixture(scope="session")
def private_mariadb(tmp_path_factory):
    """A MariaDB server of our own (the shared one must never be restarted by a test)."""
    server = PrivateMariaDB(Path(tempfile.mkdtemp(prefix="kezek-faults-db-")))
    try:
        server.install()
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def stub_stack():
    """The Instagram sandbox and a media stand-in on one loopback server."""
    server = processes.StubServer(IG_APP_ID, IG_APP_SECRET).start()
    yield server
    server.stop()
