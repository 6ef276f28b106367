"""deploy/check-env: refuses missing, placeholder and malformed settings; prints Meta URLs."""

from __future__ import annotations

import base64
import importlib.machinery
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from app.config import ROOT
from tests.deploy.conftest import clean_env

KEY = "k1:" + base64.urlsafe_b64encode(b"z" * 32).decode()
# What an operator types over the placeholders of .env.example.
FILLED = {
    "DOMAIN": "kezek.example.kz",
    "ACME_EMAIL": "admin@example.kz",
    "SECRET_KEY": "Qx7" * 20,
    "TOKEN_ENCRYPTION_KEYS": KEY,
    "MARIADB_ROOT_PASSWORD": "root-Pw_0123456789abcdef",
    "MARIADB_PASSWORD": "app-Pw_0123456789abcdef",
    "INSTAGRAM_APP_ID": "1234567890123456",
    "INSTAGRAM_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": "verify-0123456789",
    "BACKUP_PASSPHRASE": "backup-passphrase-0123456789",
}


def env_file(tmp_path, **changes: str | None) -> str:
    """.env.example with FILLED and `changes` applied (None deletes the line)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, value in {**FILLED, **changes}.items():
        line = re.compile(rf"^{name}=.*$", re.MULTILINE)
        if value is None:
            text = line.sub("", text)
        elif line.search(text):
            text = line.sub(lambda _m, v=f"{name}={value}": v, text)
        else:
            text += f"\n{name}={value}\n"
    path = tmp_path / "env"
    path.write_text(text, encoding="utf-8")
    return str(path)


def check(path: str, **environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "check-env"), "--env-file", path],
        env=clean_env(**environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def problems(result: subprocess.CompletedProcess) -> dict[str, str]:
    """Variable -> problem, from the refusal's list."""
    found = re.findall(r"^  ([A-Z][A-Z0-9_]*) (.+)$", result.stderr, re.MULTILINE)
    return dict(found)


def test_filled_in_example_passes_and_prints_the_meta_urls(tmp_path):
    result = check(env_file(tmp_path))
    assert result.returncode == 0, result.stderr
    base = "https://kezek.example.kz"
    for path in (
        "/accounts/oauth/callback",
        "/webhooks/instagram",
        "/meta/deauthorize",
        "/meta/data-deletion",
        "/privacy",
    ):
        assert f"{base}{path}\n" in result.stdout
    assert "OK" in result.stdout and result.stderr == ""


def test_unedited_example_is_refused_listing_every_placeholder(tmp_path):
    result = check(str(ROOT / ".env.example"))
    assert result.returncode == 1
    listed = problems(result)
    assert set(FILLED) <= set(listed), result.stderr
    assert all("placeholder" in listed[name] for name in FILLED)
    # The refusal says how to make each secret.
    assert "secrets.token_urlsafe(48)" in listed["SECRET_KEY"]
    assert "token_bytes(32)" in listed["TOKEN_ENCRYPTION_KEYS"]
    assert "accounts/oauth/callback" not in result.stdout  # no usable domain yet


@pytest.mark.parametrize(
    "variable",
    [
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "DOMAIN",
        "BACKUP_PASSPHRASE",
        "MARIADB_PASSWORD",
        "INSTAGRAM_APP_SECRET",
    ],
)
def test_missing_setting_is_named(tmp_path, variable):
    result = check(env_file(tmp_path, **{variable: None}))
    assert result.returncode == 1
    assert problems(result)[variable].startswith("is missing")


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SECRET_KEY", "change-me-" + "x" * 40),
        ("TOKEN_ENCRYPTION_KEYS", "<generate with the command above>"),
        ("INSTAGRAM_APP_SECRET", "CHANGE-ME"),
        ("META_APP_SECRET", "change-me"),
        ("ACME_EMAIL", "change-me@example.kz"),
    ],
)
def test_placeholder_is_refused(tmp_path, variable, value):
    result = check(env_file(tmp_path, **{variable: value}))
    assert result.returncode == 1
    assert problems(result) == {variable: problems(result)[variable]}
    assert "placeholder" in problems(result)[variable]


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("DOMAIN", "https://kezek.example.kz", "bare domain"),
        ("DOMAIN", "kezek", "bare domain"),
        ("DOMAIN", "kezek.example.com", "example domain"),
        ("ACME_EMAIL", "admin.example.kz", "e-mail"),
        ("ACME_EMAIL", "admin@example.org", "example domain"),
        ("PUBLIC_BASE_URL", "http://kezek.example.kz", "https://kezek.example.kz"),
        ("PUBLIC_BASE_URL", "https://other.example.kz", "https://kezek.example.kz"),
        ("SECRET_KEY", "s" * 31, "at least 32 characters (it has 31)"),
        ("TOKEN_ENCRYPTION_KEYS", "k1:" + base64.urlsafe_b64encode(b"a" * 16).decode(), "32"),
        ("TOKEN_ENCRYPTION_KEYS", "no-colon-here", "id:base64"),
        ("MARIADB_PASSWORD", "has@and/in-it-0123456789", "letters, digits"),
        ("MARIADB_ROOT_PASSWORD", "short", "at least 16"),
        ("DATABASE_URL", "postgresql://kezek:pw@db/kezek", "mysql+pymysql://"),
        ("DATABASE_URL", "mysql+pymysql://kezek:other-password-0123@db:3306/kezek", "MARIADB_"),
        ("BACKUP_PASSPHRASE", "too-short", "at least 16"),
        ("INSTAGRAM_APP_ID", "my-app", "numeric"),
        ("INSTAGRAM_API_VERSION", "25", "v25.0"),
        ("GUNICORN_WORKERS", "0", "at least 1"),
        ("DEFAULT_LOCALE", "de", "ru, kk, en"),  # refused by the app's own settings
    ],
)
def test_malformed_setting_is_refused_with_the_reason(tmp_path, variable, value, expected):
    result = check(env_file(tmp_path, **{variable: value}))
    assert result.returncode == 1
    listed = problems(result)
    # A password unfit for a URL also breaks the DATABASE_URL built from it.
    also = {"DATABASE_URL"} if variable == "MARIADB_PASSWORD" else set()
    assert set(listed) - also == {variable}, result.stderr
    assert expected in listed[variable]


def test_managed_database_needs_no_bundled_mariadb_passwords(tmp_path):
    path = env_file(
        tmp_path,
        DATABASE_URL="mysql+pymysql://kezek:managed-pw@mysql.cloud.example.kz:3306/kezek",
        MARIADB_ROOT_PASSWORD=None,
        MARIADB_PASSWORD=None,
    )
    result = check(path)
    assert result.returncode == 0, result.stderr


def test_environment_wins_over_the_file_as_in_the_app(tmp_path):
    path = env_file(tmp_path, SECRET_KEY="change-me")
    assert check(path).returncode == 1
    assert check(path, SECRET_KEY="E" * 48).returncode == 0


def _compose_interpolated(path: str) -> dict[str, str]:
    """The env file's values as compose hands them to a container."""
    loader = importlib.machinery.SourceFileLoader("check_env", str(ROOT / "deploy" / "check-env"))
    module = types.ModuleType(loader.name)
    module.__file__ = loader.path
    loader.exec_module(module)
    return module.read_env_file(Path(path), {})


def test_environment_alone_is_enough_inside_the_container(tmp_path):
    environ = _compose_interpolated(env_file(tmp_path))
    assert environ["DATABASE_URL"].startswith("mysql+pymysql://kezek:app-Pw_")
    empty = tmp_path / "empty"
    empty.write_text("")
    result = check(str(empty), **environ)
    assert result.returncode == 0, result.stderr
    del environ["SECRET_KEY"]
    assert "SECRET_KEY" in problems(check(str(empty), **environ))
