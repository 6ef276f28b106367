"""Sign-in with the Telegram Login Widget (fake over HTTP): signed data, freshness, CSP."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.models import AuthSession, Identity, User
from tests.conftest import post_form
from tests.identity.conftest import (
    create_invitation,
    local,
    telegram_auth_url,
    telegram_return,
)

ASEL = {"id": "424242", "first_name": "Asel", "last_name": "N", "username": "asel_n"}


def _linked(make_user, session):
    user = make_user("asel")
    session.add(Identity(user_id=user.id, provider="telegram", provider_user_id="424242"))
    session.commit()
    return user


def test_login_page_allows_only_the_widget_origins_in_its_csp(client, app, providers):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert f"script-src 'self' {providers.url}" in csp
    assert f"frame-src {providers.url}" in csp
    assert "unsafe-inline" not in csp
    # Other pages keep the strict policy.
    assert providers.url not in client.get("/healthz").headers["Content-Security-Policy"]
    app.config["SETTINGS"].TELEGRAM_LOGIN_BOT_TOKEN = ""
    assert providers.url not in client.get("/login").headers["Content-Security-Policy"]


def test_invited_person_joins_with_telegram_then_signs_in(logged_in, providers, session):
    client, _alice = logged_in
    link = create_invitation(client)
    post_form(client, "/settings/", "/logout", {})
    auth_url = telegram_auth_url(client.get(link).text)
    resp = client.get(local(telegram_return(providers, auth_url, **ASEL)))
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    ident = session.scalar(select(Identity))
    assert (ident.provider, ident.provider_user_id, ident.display_name, ident.email) == (
        "telegram",
        "424242",
        "Asel N",
        "",
    )
    assert session.get(User, ident.user_id).username == "asel_n"

    post_form(client, "/settings/", "/logout", {})
    auth_url = telegram_auth_url(client.get("/login").text)
    resp = client.get(local(telegram_return(providers, auth_url, **ASEL)))
    assert resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_tampered_hash_is_refused(client, providers, make_user, session):
    _linked(make_user, session)
    auth_url = telegram_auth_url(client.get("/login").text)
    back = local(telegram_return(providers, auth_url, **{**ASEL, "id": "999"}))
    resp = client.get(back.replace("id=999", "id=424242"))  # someone else's id, old hash
    assert resp.headers["Location"] == "/login"
    assert "could not be verified" in client.get("/login").text
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_stale_auth_date_is_refused(client, providers, make_user, session):
    _linked(make_user, session)
    auth_url = telegram_auth_url(client.get("/login").text)
    old = int(time.time()) - 24 * 3600 - 60
    resp = client.get(local(telegram_return(providers, auth_url, **ASEL, auth_date=old)))
    assert resp.headers["Location"] == "/login"
    assert "too old" in client.get("/login").text
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_result_from_another_browser_is_refused(client, app, providers, make_user, session):
    """Telegram's data is not bound to our session: the URL carries a per-browser secret."""
    _linked(make_user, session)
    other = app.test_client()
    auth_url = telegram_auth_url(other.get("/login").text)
    client.get("/login")
    resp = client.get(local(telegram_return(providers, auth_url, **ASEL)))
    assert resp.headers["Location"] == "/login"
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_unknown_telegram_user_without_invitation_is_refused(client, providers, session):
    auth_url = telegram_auth_url(client.get("/login").text)
    resp = client.get(local(telegram_return(providers, auth_url, **ASEL)))
    assert resp.headers["Location"] == "/login"
    assert session.scalar(select(func.count(User.id))) == 0
