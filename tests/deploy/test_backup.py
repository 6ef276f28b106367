"""deploy/backup.sh and deploy/restore.sh against the real MariaDB and a media folder."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.orm import Session

from app.config import ROOT
from app.extensions import make_engine
from app.migrate import upgrade
from app.services import users
from app.services.users import create_user
from tests.conftest import _mariadb_server_url
from tests.deploy.conftest import clean_env, needs_mariadb

pytestmark = [pytest.mark.mariadb, needs_mariadb]

PASSPHRASE = "correct-backup-passphrase-0123"
MARKER = "ЖҰЛДЫЗ-marker-🙂"


class Site:
    """A migrated MariaDB database with data, a media folder and a backup folder."""

    def __init__(self, tmp_path: Path):
        self.server_url, self.conn_args = _mariadb_server_url()
        self.name = f"kezek_backup_{os.getpid()}_{secrets.token_hex(3)}"
        self.media = tmp_path / "media"
        self.backups = tmp_path / "backups"
        self.url = f"{self.server_url.rstrip('/')}/{self.name}?charset=utf8mb4"

    def sql(self, statement: str, database: str | None = None) -> list[tuple]:
        conn = pymysql.connect(**self.conn_args, database=database, charset="utf8mb4")
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
                rows = list(cur.fetchall())
            conn.commit()
            return rows
        finally:
            conn.close()

    def create(self) -> None:
        self.sql(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        upgrade(self.url)
        engine = make_engine(self.url)
        with Session(engine) as session:
            for i in range(3):
                create_user(session, f"owner{i}", "correct horse battery", display_name=MARKER)
            session.commit()
        engine.dispose()
        for i in range(50):
            self.sql(
                "INSERT INTO login_attempt (created_at, username, ip, success) "
                f"VALUES (NOW(6) - INTERVAL {i} MINUTE, 'owner{i % 3}', '10.0.0.{i}', {i % 2})",
                self.name,
            )
        self.sql(
            "INSERT INTO audit_log (created_at, username, action, result, ip, detail) VALUES "
            f"(NOW(), 'owner0', 'post.publish', 'ok', '::1', '{{\"caption\": \"{MARKER}\"}}')",
            self.name,
        )
        (self.media / "2026" / "11").mkdir(parents=True)
        (self.media / "2026" / "11" / "reel.mp4").write_bytes(secrets.token_bytes(300_000))
        (self.media / "2026" / "11" / "фото 1.jpg").write_bytes(secrets.token_bytes(5_000))
        (self.media / "empty.txt").write_bytes(b"")
        (self.media / "caption.txt").write_text(MARKER, encoding="utf-8")

    def drop(self) -> None:
        self.sql(f"DROP DATABASE IF EXISTS `{self.name}`")

    def snapshot(self) -> dict:
        """Every table's row count and CHECKSUM TABLE, and every media file's SHA-256."""
        tables = [
            row[0]
            for row in self.sql(
                "SELECT table_name FROM information_schema.tables "
                f"WHERE table_schema = '{self.name}' ORDER BY table_name"
            )
        ]
        db = {
            t: (
                self.sql(f"SELECT COUNT(*) FROM `{t}`", self.name)[0][0],
                self.sql(f"CHECKSUM TABLE `{t}`", self.name)[0][1],
            )
            for t in tables
        }
        files = {
            str(p.relative_to(self.media)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.media.rglob("*"))
            if p.is_file()
        }
        return {"db": db, "media": files}

    def env(self, **extra: str) -> dict[str, str]:
        settings = {
            "MARIADB_HOST": str(self.conn_args["host"]),
            "MARIADB_PORT": str(self.conn_args["port"]),
            "MARIADB_USER": self.conn_args["user"],
            "MARIADB_PASSWORD": self.conn_args["password"],
            "MARIADB_DATABASE": self.name,
            "MEDIA_DIR": str(self.media),
            "BACKUP_DIR": str(self.backups),
            "BACKUP_PASSPHRASE": PASSPHRASE,
            "BACKUP_KEEP": "5",
        }
        return clean_env(**{**settings, **extra})

    def run(self, script: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(ROOT / "deploy" / script), *args],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def backup(self, **extra: str) -> Path:
        result = self.run("backup.sh", **extra)
        assert result.returncode == 0, result.stderr
        newest = sorted(self.backups.glob("kezek-*.tar.gz.enc"))[-1]
        assert str(newest) in result.stdout
        return newest


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)  # the hashes only need to exist
    site = Site(tmp_path)
    site.create()
    yield site
    site.drop()


def test_backup_then_restore_after_losing_everything_gives_back_the_same_data(site):
    before = site.snapshot()
    assert before["db"]["user"][0] == 3 and before["db"]["login_attempt"][0] == 50
    assert len(before["media"]) == 4

    backup = site.backup()
    data = backup.read_bytes()
    assert data.startswith(b"Salted__")  # openssl's encrypted format, not a plain archive
    assert MARKER.encode() not in data and b"CREATE TABLE" not in data
    assert oct(backup.stat().st_mode & 0o777) == "0o600"

    site.drop()
    subprocess.run(["rm", "-rf", str(site.media)], check=True)
    assert not site.snapshot()["db"]

    result = site.run("restore.sh", "--yes", str(backup))
    assert result.returncode == 0, result.stderr
    assert site.snapshot() == before
    assert "4 media file(s)" in result.stdout


def test_wrong_passphrase_fails_clearly_and_changes_nothing(site):
    backup = site.backup()
    # Work goes on after the backup: a wrong passphrase must not throw it away.
    site.sql("DELETE FROM login_attempt WHERE success = 0", site.name)
    (site.media / "new.jpg").write_bytes(b"new upload")
    current = site.snapshot()

    result = site.run("restore.sh", "--yes", str(backup), BACKUP_PASSPHRASE="not-the-passphrase")
    assert result.returncode != 0
    assert "wrong BACKUP_PASSPHRASE" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # no openssl noise
    assert site.snapshot() == current


def test_damaged_backup_or_missing_confirmation_changes_nothing(site, tmp_path):
    backup = site.backup()
    current = site.snapshot()
    damaged = tmp_path / "damaged.tar.gz.enc"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    result = site.run("restore.sh", "--yes", str(damaged))
    assert result.returncode != 0 and "Nothing was changed" in result.stderr
    result = site.run("restore.sh", str(backup))  # no --yes and no terminal to ask on
    assert result.returncode != 0 and "--yes" in result.stderr
    assert site.snapshot() == current


def test_backups_are_pruned_to_the_newest_backup_keep(site):
    site.backups.mkdir()
    old = [site.backups / f"kezek-2020010{i}T000000Z.tar.gz.enc" for i in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"old")
    unrelated = site.backups / "notes.txt"
    unrelated.write_text("keep me")

    newest = site.backup(BACKUP_KEEP="2")
    remaining = sorted(p.name for p in site.backups.iterdir())
    assert remaining == sorted([old[2].name, newest.name, "notes.txt"])


@pytest.mark.parametrize("passphrase", ["", "change-me", "<generate one>"])
def test_backup_refuses_a_missing_or_placeholder_passphrase(tmp_path, passphrase):
    site = Site(tmp_path)  # refused before it would touch the database or the media
    site.media.mkdir()
    result = site.run("backup.sh", BACKUP_PASSPHRASE=passphrase)
    assert result.returncode != 0 and "BACKUP_PASSPHRASE" in result.stderr
    assert not list(site.backups.glob("kezek-*"))
