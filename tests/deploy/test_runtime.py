"""The production commands, run for real: gunicorn with deploy/gunicorn.conf.py, the worker."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from sqlalchemy import delete, select, text

from app.config import ROOT
from app.extensions import make_engine
from app.models import AuditLog, LoginAttempt, WorkerHeartbeat
from tests.deploy.conftest import free_port, needs_mariadb, production_env

pytestmark = [pytest.mark.mariadb, needs_mariadb]

GUNICORN = ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app.wsgi:app"]
CLIENT_IP = "203.0.113.9"


@pytest.fixture
def prod_engine(mariadb_database):
    """An engine on the migrated MariaDB test database; what these tests wrote goes after."""
    engine = make_engine(mariadb_database)
    yield engine
    with engine.begin() as conn:
        for table in (AuditLog, LoginAttempt, WorkerHeartbeat):
            conn.execute(delete(table))
    engine.dispose()


def request(port: int, method: str, path: str, headers=None, body: str | None = None):
    """One HTTP request to the loopback server; returns (status, headers, text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _ready(port: int):
    try:
        status, _, body = request(port, "GET", "/readyz")
    except OSError:
        return None
    return (status, body)


@pytest.fixture
def start_gunicorn(spawn, mariadb_database, prod_engine):
    """Factory: gunicorn with the production config on a free loopback port, ready."""

    def start(**extra: str):
        port = free_port()
        env = production_env(
            mariadb_database,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="2",
            **extra,
        )
        proc = spawn(GUNICORN, env, "gunicorn")
        proc.wait_until(lambda: _ready(port), 60, "an answer on /readyz")
        proc.port = port
        return proc

    return start


@pytest.fixture
def gunicorn(start_gunicorn):
    return start_gunicorn()


def _login_form(port: int, proxy_headers: dict) -> tuple[str, str, dict]:
    status, headers, body = request(port, "GET", "/login", proxy_headers)
    assert status == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)[1]
    return token, headers.get("Set-Cookie", ""), headers


def _post_login(port: int, token: str, cookie: str, headers: dict) -> int:
    body = urlencode({"csrf_token": token, "username": "nobody", "password": "wrong-password"})
    status, _, _ = request(
        port,
        "POST",
        "/login",
        {
            **headers,
            "Cookie": cookie.split(";")[0],
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
    )
    return status


def test_gunicorn_serves_the_app_then_stops_cleanly_on_sigterm(gunicorn):
    status, headers, body = request(gunicorn.port, "GET", "/readyz")
    assert status == 200, body
    assert '"migrations":true' in body.replace(" ", "")
    status, headers, _ = request(gunicorn.port, "GET", "/healthz")
    assert status == 200 and headers["X-Request-ID"]
    assert gunicorn.terminate() == 0
    assert "Traceback" not in gunicorn.output()


@pytest.mark.parametrize(
    "hops",
    [
        "1",  # production: ProxyFix trusts Traefik's X-Forwarded-For/-Proto/-Host
        "0",  # no ProxyFix: the scheme comes from gunicorn's forwarded_allow_ips alone
    ],
)
def test_behind_the_proxy_the_app_sees_https_and_the_client_ip(start_gunicorn, prod_engine, hops):
    gunicorn = start_gunicorn(PROXY_HOPS=hops)
    port = gunicorn.port
    proxied = {
        "Host": "kezek.test",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "kezek.test",
        "X-Forwarded-For": CLIENT_IP,
    }
    token, cookie, _ = _login_form(port, proxied)
    assert "kezek_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie

    # Over HTTPS, Flask-WTF checks the Referer against https://<host>/: a foreign one is
    # refused. That check runs only when the app believes the request is secure.
    foreign = {"Referer": "https://evil.example/login"}
    assert _post_login(port, token, cookie, {**proxied, **foreign}) == 400
    plain = {k: v for k, v in proxied.items() if k != "X-Forwarded-Proto"}
    assert _post_login(port, token, cookie, {**plain, **foreign}) == 401
    same_site = {"Referer": "https://kezek.test/login"}
    assert _post_login(port, token, cookie, {**proxied, **same_site}) == 401

    with prod_engine.connect() as conn:
        ips = set(conn.scalars(select(LoginAttempt.ip)))
    if hops == "1":
        assert ips == {CLIENT_IP}  # the forwarded client, not 127.0.0.1
        assert CLIENT_IP in gunicorn.output()  # the access log names the client too
    else:
        assert ips == {"127.0.0.1"}


def test_scheduler_heartbeats_reports_healthy_and_stops_on_sigterm(
    spawn, mariadb_database, prod_engine
):
    env = production_env(mariadb_database, HEARTBEAT_SECONDS="1")
    proc = spawn(["-m", "scheduler"], env, "scheduler")
    worker_id = f"{socket.gethostname()}-{proc.pid}"

    def beats() -> int:
        with prod_engine.connect() as conn:
            return (
                conn.scalar(
                    select(WorkerHeartbeat.beats).where(WorkerHeartbeat.worker_id == worker_id)
                )
                or 0
            )

    proc.wait_until(lambda: beats() >= 3, 60, "three heartbeats")
    health = subprocess.run(
        [sys.executable, "deploy/scheduler_health.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert health.returncode == 0, health.stdout + health.stderr

    assert proc.terminate() == 0
    assert "Traceback" not in proc.output()
    with prod_engine.connect() as conn:
        stopped = conn.execute(
            text("SELECT stopped_at FROM worker_heartbeat WHERE worker_id = :w"),
            {"w": worker_id},
        ).scalar()
    assert stopped is not None
    health = subprocess.run(
        [sys.executable, "deploy/scheduler_health.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert health.returncode == 1 and "unhealthy" in health.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEYS"])
def test_gunicorn_refuses_to_start_without_a_secret_in_one_line(spawn, mariadb_database, missing):
    env = production_env(mariadb_database, GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    del env[missing]
    proc = spawn(GUNICORN, env, "gunicorn")
    code = proc.popen.wait(60)
    output = proc.output()
    assert code != 0
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert missing in lines[0] and "configuration error" in lines[0]
    assert "Traceback" not in output


def test_access_log_leaves_out_query_strings_and_capability_tokens(gunicorn):
    secret = "s3cr3t-" + "x" * 20
    request(gunicorn.port, "GET", f"/m/{secret}/photo.jpg")
    request(gunicorn.port, "GET", f"/r/{secret}")
    request(
        gunicorn.port,
        "GET",
        f"/invite?token={secret}",
        {"Referer": f"http://kezek.test/r/{secret}?code={secret}"},
    )
    assert gunicorn.terminate() == 0
    out = gunicorn.output()
    # The requests were logged, but only their masked forms.
    assert '"GET /m/<token>/... HTTP/1.1" 404' in out
    assert '"GET /r/<token> HTTP/1.1" 404' in out
    assert '"GET /invite HTTP/1.1"' in out and "http://kezek.test/r/<token>" in out
    assert secret not in out
