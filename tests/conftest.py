"""Shared fixtures: real databases (SQLite and MariaDB), the app, users, a live server."""

from __future__ import annotations

import base64
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest
from sqlalchemy import delete, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app import create_app
from app.extensions import make_engine
from app.migrate import upgrade
from app.models import Base
from app.services import users as users_service
from app.services.users import create_user

# Cheap bcrypt in tests (production uses 12 rounds); set before any app is built.
os.environ.setdefault("BCRYPT_ROUNDS", "4")
users_service.BCRYPT_ROUNDS = int(os.environ["BCRYPT_ROUNDS"])

BACKENDS = [b for b in os.environ.get("KEZEK_TEST_DBS", "sqlite,mariadb").split(",") if b]
MARIADB_URL = os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/")
PASSWORD = "correct horse battery"
TEST_KEY = "t1:" + base64.urlsafe_b64encode(b"k" * 32).decode()


def _mariadb_server_url() -> tuple[str, dict]:
    parts = urlsplit(MARIADB_URL)
    conn = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": parts.username or "root",
        "password": parts.password or "",
    }
    return urlunsplit((parts.scheme, parts.netloc, "/", "", "")), conn


@pytest.fixture(scope="session")
def mariadb_database() -> Iterator[str]:
    """A throwaway MariaDB database (utf8mb4), migrated to head; dropped afterwards."""
    server_url, conn_args = _mariadb_server_url()
    name = f"kezek_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        conn = pymysql.connect(**conn_args)
    except pymysql.err.OperationalError as e:
        pytest.fail(f"MariaDB is not reachable at {conn_args['host']}:{conn_args['port']}: {e}")
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = f"{server_url.rstrip('/')}/{name}?charset=utf8mb4"
    upgrade(url)
    yield url
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory) -> str:
    """A throwaway SQLite file, migrated to head."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kezek.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request) -> str:
    """Each test that needs a database runs on every backend in KEZEK_TEST_DBS."""
    return request.getfixturevalue(f"{request.param}_database")


# Uploads of test apps go to a throwaway folder, never the repository's var/media.
TEST_MEDIA_DIR = tempfile.mkdtemp(prefix="kezek-test-media-")


def app_config(database_url: str, **extra) -> dict:
    """Settings for a test app."""
    return {
        "KEZEK_ENV": "testing",
        "MEDIA_DIR": TEST_MEDIA_DIR,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-" + "s" * 40,
        "TOKEN_ENCRYPTION_KEYS": TEST_KEY,
        "DEFAULT_LOCALE": "en",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        **extra,
    }


def wipe(engine) -> None:
    """Empty every table of ours, children first."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def engine(database_url):
    eng = make_engine(database_url)
    yield eng
    wipe(eng)
    eng.dispose()


@pytest.fixture
def app(engine, database_url, request):
    marker = request.node.get_closest_marker("settings")
    extra = marker.kwargs if marker else {}
    if "ig_stack" in request.fixturenames:
        extra = {"INSTAGRAM_APP_ID": IG_APP_ID, "INSTAGRAM_APP_SECRET": IG_APP_SECRET, **extra}
    # No app context stays pushed: each test-client request gets its own, as in production.
    return create_app({**app_config(database_url, **extra), "ENGINE": engine})


@pytest.fixture
def session(engine):
    """The test's own database session, independent of the app's."""
    with Session(engine, expire_on_commit=False) as sess:
        yield sess


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(session):
    """Factory: a user with their own workspace, committed."""

    def factory(username: str | None = None, password: str = PASSWORD, **kwargs):
        user = create_user(session, username or f"user{secrets.token_hex(3)}", password, **kwargs)
        session.commit()
        return user

    return factory


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the real form (with its CSRF token)."""
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def post_form(client, page: str, url: str, data: dict):
    """GET `page` for a CSRF token, then POST `data` to `url`."""
    token = csrf_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def logged_in(client, make_user):
    """A signed-in test client and its user."""
    user = make_user("alice")
    resp = login(client, "alice")
    assert resp.status_code == 302
    return client, user


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a loopback port."""
    server = LiveServer(app)
    yield server
    server.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "settings(**kw): extra settings for the app fixture")


@pytest.fixture
def raw_sql(engine):
    """Run a raw SQL statement and return all rows."""

    def run(sql: str, **params):
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    return run


IG_APP_ID = "kezek-test-app"
IG_APP_SECRET = "kezek-test-app-secret"


class IgStack:
    """Kezek and the Instagram sandbox served together, as `make run` does."""

    def __init__(self, app, sandbox_config: dict | None = None):
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        from app.instagram.sandbox import create_sandbox_app

        self.sandbox_app = create_sandbox_app(
            {"app_id": IG_APP_ID, "app_secret": IG_APP_SECRET, **(sandbox_config or {})}
        )
        self.server = LiveServer(DispatcherMiddleware(app, {"/_sandbox": self.sandbox_app}))
        self.url = self.server.url
        self.sandbox_url = f"{self.url}/_sandbox"
        settings = app.config["SETTINGS"]
        settings.PUBLIC_BASE_URL = self.url
        settings.INSTAGRAM_GRAPH_URL = self.sandbox_url
        settings.INSTAGRAM_API_URL = self.sandbox_url
        settings.INSTAGRAM_AUTHORIZE_URL = f"{self.sandbox_url}/oauth/authorize"
        self.sandbox_app_config = self.sandbox_app.config

    def admin(self, method: str, path: str, body=None):
        """Call one of the sandbox's /_admin endpoints over HTTP."""
        import requests

        resp = requests.request(method, f"{self.sandbox_url}/_admin/{path}", json=body, timeout=10)
        assert resp.status_code < 400, resp.text
        return resp.json()

    def stop(self):
        self.server.stop()


@pytest.fixture
def ig_stack(app):
    """The app and the sandbox on one loopback server; the app's Graph URLs point at it."""
    stack = IgStack(app)
    yield stack
    stack.stop()
