"""A private MariaDB server (own datadir, port and socket) that a test may stop and restart.

The shared server on 3306 serves every other test running at the same time, so the
database-restart test never touches it: it starts its own `mariadbd` from the MariaDB
server package (`mariadb-install-db` + `mariadbd`, found on PATH or in /usr/sbin).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pymysql

SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])


def _which(*names: str) -> str:
    for name in names:
        found = shutil.which(name, path=SEARCH)
        if found:
            return found
    raise RuntimeError(f"none of {', '.join(names)} found: install the MariaDB server package")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateMariaDB:
    """`mariadbd` on a free loopback port with its datadir under `base`."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.datadir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.log = self.base / "mariadbd.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.mariadbd = _which("mariadbd", "mysqld")
        self.install_db = _which("mariadb-install-db", "mysql_install_db")

    @property
    def url(self) -> str:
        """The server URL (no database), as tests/conftest.py's TEST_DATABASE_URL."""
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/"

    def _user_args(self) -> list[str]:
        # mariadbd refuses to run as root unless told to.
        return ["--user=root"] if os.geteuid() == 0 else []

    def install(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                self.install_db,
                "--no-defaults",  # the system my.cnf's user and log paths are not ours
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *self._user_args(),
            ],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=180,
        )

    def start(self, timeout: float = 90) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    self.mariadbd,
                    "--no-defaults",
                    f"--datadir={self.datadir}",
                    f"--port={self.port}",
                    "--bind-address=127.0.0.1",
                    f"--socket={self.socket}",
                    f"--pid-file={self.base / 'mariadbd.pid'}",
                    "--skip-grant-tables",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=64M",
                    "--innodb-log-file-size=16M",
                    # A commit is in the OS cache before the answer: it survives a crash of
                    # mariadbd (SIGKILL), which is what these tests do, not one of the host.
                    "--innodb-flush-log-at-trx-commit=2",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--max-connections=300",
                    *self._user_args(),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mariadbd exited ({self.proc.returncode}):\n{self.tail()}")
            if self.ping():
                return
            time.sleep(0.2)
        raise RuntimeError(f"mariadbd did not answer within {timeout} s:\n{self.tail()}")

    def ping(self) -> bool:
        try:
            conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=2)
        except pymysql.err.OperationalError:
            return False
        conn.close()
        return True

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
        """Stop the server: SIGTERM is a clean shutdown, SIGKILL a crash."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, sig: int = signal.SIGTERM, down_seconds: float = 0.0) -> None:
        self.stop(sig)
        time.sleep(down_seconds)
        self.start()

    def execute(self, sql: str) -> None:
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root")
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)
