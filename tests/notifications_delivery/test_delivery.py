"""E-mail and Telegram delivery over real sockets: per-user choices, no double sends, retries."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app.models import Membership, NotificationDelivery, Role, Workspace, utcnow
from app.services import delivery
from app.services.notifications import notify
from app.services.workspaces import add_member
from scheduler import jobs
from scheduler.delivery import deliver_notifications
from scheduler.registry import job_specs
from tests.conftest import csrf_from, login
from tests.notifications_delivery.conftest import BOT_TOKEN, SMTP_USER


def _workspace_of(session, user) -> Workspace:
    ws_id = session.scalar(select(Membership.workspace_id).where(Membership.user_id == user.id))
    return session.get(Workspace, ws_id)


def _prefs(session, user, *, email="", chat="", events=("failure", "reconnect")):
    delivery.save_preference(
        session,
        user,
        email=email,
        email_enabled=bool(email),
        telegram_chat_id=chat,
        telegram_enabled=bool(chat),
        events=list(events),
    )
    session.commit()


def _run(app) -> int:
    jobs.bind(app)
    return deliver_notifications()


def test_settings_page_saves_choices_and_sends_test_messages(
    client, make_user, channels, telegram, mailbox, session
):
    alice = make_user("alice")
    login(client, "alice")
    page = client.get("/settings/notifications")
    assert page.status_code == 200 and 'id="test-telegram"' in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "email": "alice@example.kz",
        "email_enabled": "y",
        "telegram_chat_id": "5550001",
        "telegram_enabled": "y",
        "event_failure": "y",
        "event_success": "y",
    }
    resp = client.post("/settings/notifications", data={**form, "test": "telegram"})
    assert resp.status_code == 302
    assert telegram.texts("5550001") == [
        "Kezek test message\n\nThis is a test message from Kezek: notifications will arrive here."
    ]
    client.post("/settings/notifications", data={**form, "test": "email"})
    [mail] = mailbox.to("alice@example.kz")
    assert "Subject: Kezek test message" in mail
    assert mailbox.messages[0]["login"] == SMTP_USER  # signed in with the URL's credentials
    pref = delivery.get_preference(session, alice.id)
    assert pref.events == ["failure", "success"]
    assert pref.email_enabled and pref.telegram_enabled and pref.telegram_chat_id == "5550001"

    resp = client.post(
        "/settings/notifications", data={**form, "email": "not-an-address"}, follow_redirects=True
    )
    assert "This e-mail address is not valid." in resp.text
    resp = client.post(
        "/settings/notifications",
        data={**form, "telegram_chat_id": "", "email_enabled": ""},
        follow_redirects=True,
    )
    assert "Enter your Telegram chat id" in resp.text


def test_job_sends_each_notification_once_per_user_channel_and_choice(
    app, session, make_user, channels, telegram, mailbox
):
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    ws = _workspace_of(session, alice)
    for user in (bob, carol):
        add_member(session, ws, user, Role.EDITOR)
    session.commit()
    # From before the channels were switched on (MariaDB keeps whole seconds: a minute back).
    before = notify(session, ws.id, "post_failed", {"username": "shop", "reason": "x"})
    before.created_at = utcnow() - timedelta(minutes=1)
    session.commit()
    _prefs(session, alice, email="alice@example.kz", chat="111")
    _prefs(session, bob, chat="222", events=["success"])
    _prefs(session, dave, email="dave@example.kz", chat="444", events=["failure", "success"])

    link = "/publishing/posts/7"
    failed = notify(session, ws.id, "post_failed", {"username": "shop", "reason": "x"}, link=link)
    notify(session, ws.id, "post_published", {"username": "shop", "post_id": 8})
    notify(session, ws.id, "token_dead", {"username": "shop"})
    notify(session, ws.id, "post_failed", {"username": "shop", "reason": "reconnect_needed"})
    notify(session, ws.id, "token_refresh_failed", {"username": "shop"})  # never sent outside
    notify(session, ws.id, "post_failed", {"username": "shop"}, user_id=bob.id)  # bob: no failures
    notify(session, ws.id, "post_failed", {"username": "shop"}, user_id=alice.id)
    session.commit()

    assert _run(app) == 9  # alice: 4 by e-mail + 4 by Telegram; bob: 1 by Telegram
    assert len(telegram.texts("111")) == 4 and len(mailbox.to("alice@example.kz")) == 4
    assert len(telegram.texts("222")) == 1 and "was published" in telegram.texts("222")[0]
    assert telegram.texts("444") == [] and mailbox.to("dave@example.kz") == []
    assert any(
        "Open in Kezek: http://127.0.0.1:8000/publishing/posts/7" in t
        for t in telegram.texts("111")
    )
    sent = session.scalars(select(NotificationDelivery.notification_id)).all()
    assert before.id not in sent and failed.id in sent

    # Nothing is sent twice, however often the job runs.
    assert _run(app) == 0 and _run(app) == 0
    assert len(telegram.messages) == 5 and len(mailbox.messages) == 4

    notify(session, ws.id, "post_published", {"username": "shop", "post_id": 9})
    session.commit()
    assert _run(app) == 1
    assert len(telegram.texts("222")) == 2 and len(telegram.messages) == 6


def test_a_failed_send_is_retried_after_back_off_then_given_up(
    app, session, make_user, channels, telegram
):
    alice = make_user("alice")
    ws = _workspace_of(session, alice)
    _prefs(session, alice, chat="111")
    notify(session, ws.id, "post_failed", {"username": "shop", "reason": "x"})
    session.commit()
    settings = app.config["SETTINGS"]
    telegram.fail_next = 1
    now = utcnow()
    with app.app_context():
        [row_id] = delivery.claim_pending(session, now=now)
        session.commit()
        assert delivery.send_delivery(session, settings, row_id, now=now) == "failed"
        session.commit()
        assert delivery.claim_pending(session, now=now + timedelta(seconds=30)) == []
        assert delivery.claim_pending(session, now=now + timedelta(minutes=2)) == [row_id]
        session.commit()
        assert delivery.send_delivery(session, settings, row_id) == "sent"
        session.commit()
    assert len(telegram.texts("111")) == 1

    # A chat that does not exist: tried MAX_ATTEMPTS times, then given up.
    _prefs(session, alice, chat="@no_such_channel")
    notify(session, ws.id, "post_failed", {"username": "shop", "reason": "x"})
    session.commit()
    when = utcnow() + timedelta(seconds=1)
    statuses = []
    with app.app_context():
        for _ in range(delivery.MAX_ATTEMPTS):
            when += timedelta(hours=1)
            for row_id in delivery.claim_pending(session, now=when):
                session.commit()
                statuses.append(delivery.send_delivery(session, settings, row_id, now=when))
                session.commit()
    assert statuses == ["failed"] * (delivery.MAX_ATTEMPTS - 1) + ["given_up"]
    row = session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)).all()[-1]
    assert "chat not found" in row.error


def test_the_bot_token_and_smtp_password_never_reach_errors_or_logs(
    app, session, make_user, channels, caplog
):
    alice = make_user("alice")
    ws = _workspace_of(session, alice)
    _prefs(session, alice, email="alice@example.kz", chat="111")
    settings = app.config["SETTINGS"]
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.SMTP_URL = "smtp://kezek:VerySecretPass@127.0.0.1:9"
    notify(session, ws.id, "post_failed", {"username": "shop", "reason": "x"})
    session.commit()
    with caplog.at_level(logging.DEBUG):
        assert _run(app) == 0
    errors = session.scalars(select(NotificationDelivery.error)).all()
    assert sorted(errors) == ["smtp ConnectionRefusedError", "telegram ConnectionError"]
    assert BOT_TOKEN not in caplog.text and "VerySecretPass" not in caplog.text
    assert BOT_TOKEN not in str(errors)


def test_the_delivery_job_is_registered(app):
    specs = {s.id: s for s in job_specs(app.config["SETTINGS"])}
    assert specs["deliver_notifications"].func is deliver_notifications


def test_messages_are_written_in_each_users_language(app, session, make_user, channels, telegram):
    alice = make_user("alice")
    alice.locale = "ru"
    session.commit()
    ws = _workspace_of(session, alice)
    _prefs(session, alice, chat="111", events=["success"])
    notify(session, ws.id, "post_published", {"username": "shop", "post_id": 1}, link="/x")
    session.commit()
    assert _run(app) == 1
    [text] = telegram.texts("111")
    assert text.startswith(f"Kezek · {ws.name}") and "Открыть в Kezek: http://" in text
