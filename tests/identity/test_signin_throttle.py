"""Repeated failed provider callbacks and invitation-token guesses lock the address out."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from app.models import AuditLog, AuthSession, Identity, Invitation, utcnow
from tests.conftest import login, post_form
from tests.identity.conftest import create_invitation, local, telegram_auth_url, telegram_return

pytestmark = pytest.mark.settings(LOGIN_MAX_FAILURES=3)
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
ASEL = {"id": "424242", "first_name": "Asel"}


def _throttled(resp) -> bool:
    return (
        resp.status_code == 429
        and int(resp.headers["Retry-After"]) > 0
        and "Too many failed sign-in attempts" in resp.text
    )


def test_guessing_invitation_tokens_locks_the_address_out(logged_in, session, app):
    owner, _alice = logged_in
    link = create_invitation(owner)
    post_form(owner, "/settings/", "/logout", {})
    guesser = app.test_client()
    for n in range(3):
        assert guesser.get(f"/invite?token=guess-{n}").status_code == 404
    # Even the real link (and the password form) is refused from that address now...
    assert _throttled(guesser.get(link))
    assert login(guesser, "alice").status_code == 429  # one budget for every kind of guess
    throttled = session.scalars(select(AuditLog).where(AuditLog.result == "throttled")).all()
    assert throttled and all(r.ip == "127.0.0.1" for r in throttled)
    # ...but not from anywhere else.
    page = app.test_client().get(link, environ_base=ELSEWHERE)
    assert page.status_code == 200 and "Join alice" in page.text


def test_used_links_are_not_counted_as_guesses(logged_in, session, app):
    owner, _alice = logged_in
    used = create_invitation(owner)
    fresh = create_invitation(owner)
    session.scalar(select(Invitation).order_by(Invitation.id)).accepted_at = utcnow()
    session.commit()
    visitor = app.test_client()
    for _ in range(4):
        assert visitor.get(used).status_code == 410
    assert visitor.get(fresh).status_code == 200


def test_failed_telegram_callbacks_lock_the_address_out(client, providers, make_user, session):
    user = make_user("asel")
    session.add(Identity(user_id=user.id, provider="telegram", provider_user_id="424242"))
    session.commit()
    auth_url = telegram_auth_url(client.get("/login").text)
    good = local(telegram_return(providers, auth_url, **ASEL))
    for forged in ("id=1", "id=2", "id=3"):
        assert client.get(good.replace("id=424242", forged)).headers["Location"] == "/login"
    # The genuine, correctly signed data is refused too until the lockout ends.
    assert _throttled(client.get(good))
    assert session.scalar(select(func.count(AuthSession.id))) == 0


def test_failed_oauth_callbacks_lock_the_address_out(client, providers, make_user, session):
    user = make_user("dana")
    session.add(Identity(user_id=user.id, provider="google", provider_user_id="g-1001"))
    session.commit()
    for _ in range(3):
        client.get("/signin/google")
        resp = client.get("/signin/google/callback?code=guessed&state=forged")
        assert resp.headers["Location"] == "/login"
    assert providers.google.token_requests == []
    assert _throttled(client.get("/signin/google/callback?code=x&state=y"))
    # From another address the same account signs in normally.
    other = client.application.test_client()
    start = other.get("/signin/google", environ_base=ELSEWHERE)
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    resp = other.get(local(back.headers["Location"]), environ_base=ELSEWHERE)
    assert resp.headers["Location"] == "/"
