"""An invitation used or expired while the invited person was at the provider is refused."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import func, select

from app.models import Identity, Invitation, User, utcnow
from tests.conftest import PASSWORD, csrf_from, post_form
from tests.identity.conftest import (
    create_invitation,
    local,
    telegram_auth_url,
    telegram_return,
)


def test_invitation_used_by_someone_else_meanwhile_is_refused_after_google(
    logged_in, providers, session, app
):
    owner, _alice = logged_in
    link = create_invitation(owner)
    late = app.test_client()
    start = late.get(link.replace("/invite?", "/invite/with/google?"))
    assert start.status_code == 302  # still valid when the person left for Google
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)

    first = app.test_client()
    form = {"username": "bolat", "password": PASSWORD, "confirm": PASSWORD}
    form["csrf_token"] = csrf_from(first.get(link).text)
    assert first.post(link, data=form).status_code == 302

    resp = late.get(local(back.headers["Location"]))
    assert resp.headers["Location"] == link
    page = late.get(link)
    assert page.status_code == 410 and "already been used" in page.text
    assert session.scalar(select(func.count(Identity.id))) == 0
    assert session.scalar(select(User).where(User.username == "dana")) is None
    assert late.get("/").status_code == 302  # not signed in


def test_invitation_expired_while_at_telegram_is_refused(logged_in, providers, session, app):
    owner, _alice = logged_in
    link = create_invitation(owner)
    post_form(owner, "/settings/", "/logout", {})
    auth_url = telegram_auth_url(owner.get(link).text)
    inv = session.scalar(select(Invitation))
    inv.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    resp = owner.get(local(telegram_return(providers, auth_url, id="5", first_name="Aru")))
    assert resp.headers["Location"] == link
    page = owner.get(link)
    assert page.status_code == 410 and "expired" in page.text
    assert session.scalar(select(func.count(Identity.id))) == 0
    assert session.scalar(select(Invitation)).accepted_at is None
