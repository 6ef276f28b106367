"""Settings: parsing, production refusals, one-line errors."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from app.config import ROOT, ConfigError, load_settings, parse_token_keys

GOOD_KEY = "k1:" + base64.urlsafe_b64encode(b"a" * 32).decode()
PROD = {
    "KEZEK_ENV": "production",
    "SECRET_KEY": "x" * 48,
    "TOKEN_ENCRYPTION_KEYS": GOOD_KEY,
    "DATABASE_URL": "mysql+pymysql://kezek:pw@db/kezek",
    "PUBLIC_BASE_URL": "https://kezek.example.kz",
}


def test_production_settings_load_when_complete():
    s = load_settings(PROD)
    assert s.is_production
    assert s.token_keys == [("k1", b"a" * 32)]
    assert not s.SANDBOX


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SECRET_KEY", ""),
        ("SECRET_KEY", "change-me"),
        ("SECRET_KEY", "short"),
        ("TOKEN_ENCRYPTION_KEYS", ""),
        ("TOKEN_ENCRYPTION_KEYS", "<generate with: python -c ...>"),
        ("TOKEN_ENCRYPTION_KEYS", "k1:" + base64.urlsafe_b64encode(b"a" * 16).decode()),
        ("TOKEN_ENCRYPTION_KEYS", "nocolon"),
        ("DATABASE_URL", ""),
        ("PUBLIC_BASE_URL", "http://kezek.example.kz"),
        ("KEZEK_ENV", "staging"),
    ],
)
def test_production_refuses_bad_secret_naming_the_variable(variable, value):
    env = {**PROD, variable: value}
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert err.value.variable == variable


def test_development_generates_and_keeps_secrets_under_var():
    first = load_settings({"KEZEK_ENV": "development"})
    second = load_settings({"KEZEK_ENV": "development"})
    assert len(first.SECRET_KEY) >= 32
    assert first.SECRET_KEY == second.SECRET_KEY
    assert first.token_keys == second.token_keys
    assert first.SANDBOX and first.INSTAGRAM_GRAPH_URL.endswith("/_sandbox")


def test_token_keys_keep_order_and_refuse_duplicates():
    k2 = "k2:" + base64.urlsafe_b64encode(b"b" * 32).decode()
    assert [k for k, _ in parse_token_keys(f"{k2},{GOOD_KEY}")] == ["k2", "k1"]
    with pytest.raises(ConfigError):
        parse_token_keys(f"{GOOD_KEY},{GOOD_KEY}")


def _run(module_args: list[str], extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEZEK", "SECRET"))}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, *module_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args", [["-m", "scheduler"], ["-c", "import app.wsgi"]], ids=["scheduler", "wsgi"]
)
def test_missing_secret_stops_start_with_one_line_and_no_traceback(args):
    env = {**PROD, "SECRET_KEY": ""}
    result = _run(args, env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
