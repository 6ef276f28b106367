"""Fixtures: the three provider fakes on one loopback server, the app pointed at them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.services import jwks
from tests.conftest import LiveServer, csrf_from
from tests.identity.fakes import FakeOAuth, FakeTelegram

BOT_TOKEN = "7000000001:AAfake-telegram-bot-token-for-tests"


@dataclass
class Providers:
    url: str
    google: FakeOAuth
    yandex: FakeOAuth
    telegram: FakeTelegram


def configure(settings, url: str) -> None:
    """Enable all three providers with their URLs at the fakes."""
    settings.GOOGLE_CLIENT_ID = "kezek-google-client"
    settings.GOOGLE_CLIENT_SECRET = "google-secret"
    settings.GOOGLE_AUTHORIZE_URL = f"{url}/google/authorize"
    settings.GOOGLE_TOKEN_URL = f"{url}/google/token"
    settings.GOOGLE_JWKS_URL = f"{url}/google/certs"
    settings.GOOGLE_ISSUER = "https://accounts.fake-google.test"
    settings.YANDEX_CLIENT_ID = "kezek-yandex-client"
    settings.YANDEX_CLIENT_SECRET = "yandex-secret"
    settings.YANDEX_OAUTH_URL = f"{url}/yandex"
    settings.YANDEX_LOGIN_URL = f"{url}/yandex"
    settings.TELEGRAM_LOGIN_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_LOGIN_BOT_NAME = "kezek_test_bot"
    settings.TELEGRAM_WIDGET_URL = f"{url}/telegram/js/telegram-widget.js?22"
    settings.TELEGRAM_OAUTH_URL = f"{url}/telegram"


@contextmanager
def provider_fakes(app) -> Iterator[Providers]:
    """Google, Yandex and Telegram fakes over real HTTP; the app's settings enable them."""
    google = FakeOAuth("google", "kezek-google-client", "google-secret")
    yandex = FakeOAuth("yandex", "kezek-yandex-client", "yandex-secret")
    yandex.user = {
        "id": "y-555",
        "login": "erlan.s",
        "display_name": "Erlan",
        "default_email": "erlan@yandex.test",
    }
    telegram = FakeTelegram(BOT_TOKEN)
    root = DispatcherMiddleware(
        Flask("fake_root"),
        {"/google": google.app, "/yandex": yandex.app, "/telegram": telegram.app},
    )
    server = LiveServer(root)
    configure(app.config["SETTINGS"], server.url)
    jwks.CACHE.clear()  # keys fetched from an earlier test's fake on the same port
    try:
        yield Providers(server.url, google, yandex, telegram)
    finally:
        server.stop()


@pytest.fixture
def providers(app) -> Iterator[Providers]:
    """The provider fakes, enabled in the app's settings."""
    with provider_fakes(app) as fakes:
        yield fakes


def local(url: str) -> str:
    """The path and query of one of the app's absolute URLs, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def oauth_round_trip(client, start: str, method: str = "GET", data: dict | None = None):
    """Start at `start`, let the fake approve over HTTP, return the app's callback response
    and the callback URL (for replay tests)."""
    if method == "POST":
        resp = client.post(start, data=data)
    else:
        resp = client.get(start)
    assert resp.status_code == 302, resp.text
    at_provider = requests.get(resp.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    callback = at_provider.headers["Location"]
    return client.get(local(callback)), callback


_AUTH_URL = re.compile(r'data-auth-url="([^"]+)"')


def telegram_auth_url(html: str) -> str:
    """The widget's data-auth-url in a rendered page."""
    match = _AUTH_URL.search(html)
    assert match, "no Telegram widget in page"
    return match.group(1).replace("&amp;", "&")


def telegram_return(providers: Providers, auth_url: str, **user) -> str:
    """What the fake Telegram redirects the browser to after the user confirms."""
    resp = requests.get(
        f"{providers.url}/telegram/auth",
        params={"return_to": auth_url, **user},
        allow_redirects=False,
        timeout=10,
    )
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def create_invitation(client, role: str = "editor", email: str = "") -> str:
    """Create an invitation through the owners' page; return the link's path."""
    token = csrf_from(client.get("/settings/invitations").text)
    resp = client.post(
        "/settings/invitations", data={"csrf_token": token, "role": role, "email": email}
    )
    assert resp.status_code == 200, resp.text
    match = re.search(r'id="new-invitation-link">([^<]+)<', resp.text)
    assert match, "no invitation link shown"
    return local(match.group(1))
