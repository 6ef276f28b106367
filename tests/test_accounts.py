"""Connecting Instagram accounts over real HTTP to the sandbox; tokens, refresh, doctor."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.models import AuditLog, InstagramAccount, InstagramMedia, Notification, utcnow
from app.services import crypto
from app.services.accounts import refresh_due_tokens, sync_requested
from app.services.instagram import make_client, read_token, rotate_tokens
from tests.conftest import csrf_from, login

DEMO = "17841400000000001"
DEMO_2 = "17841400000000002"


def _start(client) -> str:
    resp = client.get("/accounts/connect")
    assert resp.status_code == 302
    return resp.location


def _consent(authorize_url: str, account: str | None = DEMO, cancel: bool = False) -> str:
    """Play the user on the sandbox's consent page; return where it redirects."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    data = {**fields, **({"cancel": "1"} if cancel else {"account": account})}
    resp = requests.post(authorize_url.split("?")[0], data=data, allow_redirects=False, timeout=10)
    assert resp.status_code in (302, 303), resp.text
    return resp.headers["Location"]


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/accounts/oauth/callback"
    return f"{parts.path}?{parts.query}"


def connect(client, account: str = DEMO):
    location = _consent(_start(client), account)
    assert location.endswith("#_")  # Instagram appends #_, the browser never sends it
    return client.get(_callback_path(location.removesuffix("#_")))


@pytest.fixture
def owner(client, make_user, ig_stack):
    make_user("alice")
    login(client, "alice")
    return client


def test_authorize_url_carries_state_scopes_and_redirect(owner, ig_stack):
    url = _start(owner)
    assert url.startswith(f"{ig_stack.sandbox_url}/oauth/authorize?")
    q = parse_qs(urlsplit(url).query)
    assert q["redirect_uri"] == [f"{ig_stack.url}/accounts/oauth/callback"]
    assert q["response_type"] == ["code"] and len(q["state"][0]) >= 24
    assert "instagram_business_content_publish" in q["scope"][0]
    assert q["client_id"] == ["kezek-test-app"]


def test_connect_stores_account_profile_media_and_encrypted_token(owner, ig_stack, session, app):
    resp = connect(owner)
    assert resp.status_code == 302
    account = session.scalar(select(InstagramAccount))
    assert account.ig_user_id == DEMO and account.username == "aruzhan.coffee"
    assert account.followers_count and account.media_count and account.account_type
    assert account.webhook_subscribed
    assert "instagram_business_basic" in account.permissions
    assert account.token_expires_at - utcnow() > timedelta(days=59)
    media = session.scalar(select(func.count(InstagramMedia.id)))
    assert 20 <= media <= 50
    page = owner.get(resp.location)
    assert "@aruzhan.coffee" in page.text and 'id="recent-posts"' in page.text
    assert session.scalar(select(AuditLog).where(AuditLog.action == "account_connect"))
    state = ig_stack.admin("GET", "state")
    subs = {a["ig_user_id"]: a["subscribed_fields"] for a in state["accounts"]}
    assert {"comments", "messages"} <= set(subs[DEMO])


def test_token_column_never_holds_plaintext(owner, ig_stack, raw_sql, app, session):
    connect(owner)
    account = session.scalar(select(InstagramAccount))
    plain = read_token(app.config["SETTINGS"], account)
    (stored,) = raw_sql("SELECT token_ciphertext FROM instagram_account")[0]
    assert plain not in stored and stored.startswith("v1:t1:")
    for row in raw_sql("SELECT * FROM instagram_account"):
        assert all(plain not in str(value) for value in row)
    # The ciphertext is bound to its row: copied onto another id it does not decrypt.
    with pytest.raises(crypto.TokenCryptoError):
        crypto.decrypt(
            app.config["SETTINGS"].token_keys,
            stored,
            purpose="instagram_account",
            row_id=account.id + 1,
        )


def test_state_mismatch_and_replay_are_refused(owner, ig_stack, session):
    location = _consent(_start(owner)).removesuffix("#_")
    forged = re.sub(r"state=[^&]+", "state=forged", _callback_path(location))
    resp = owner.get(forged, follow_redirects=True)
    assert "not valid any more" in resp.text
    assert session.scalar(select(func.count(InstagramAccount.id))) == 0
    # A fresh flow works; replaying its callback afterwards is refused.
    location = _consent(_start(owner)).removesuffix("#_")
    assert owner.get(_callback_path(location)).status_code == 302
    replay = owner.get(_callback_path(location), follow_redirects=True)
    assert "not valid any more" in replay.text


def test_user_cancel_returns_with_a_clear_message(owner, ig_stack, session):
    location = _consent(_start(owner), cancel=True)
    assert "error=access_denied" in location
    resp = owner.get(_callback_path(location), follow_redirects=True)
    assert "You cancelled connecting the Instagram account." in resp.text
    assert session.scalar(select(func.count(InstagramAccount.id))) == 0


def test_connecting_twice_updates_and_another_workspace_is_refused(
    owner, ig_stack, session, app, make_user
):
    connect(owner)
    connect(owner)
    assert session.scalar(select(func.count(InstagramAccount.id))) == 1
    make_user("bob")
    bob = app.test_client()
    login(bob, "bob")
    resp = connect(bob)
    assert resp.status_code == 302
    assert "already connected to another workspace" in bob.get("/accounts/").text
    session.expire_all()
    account = session.scalar(select(InstagramAccount))
    from app.models import Workspace

    alice_ws = session.scalar(select(Workspace.id).where(Workspace.name == "alice"))
    assert account.workspace_id == alice_ws  # still in the first workspace, not Bob's
    assert session.scalar(select(func.count(InstagramAccount.id))) == 1


def test_viewer_cannot_start_connecting(client, make_user, ig_stack, session):
    from app.models import Role, Workspace
    from app.services.workspaces import add_member

    make_user("owner1")
    viewer = make_user("viewer1")
    ws = session.scalar(select(Workspace).where(Workspace.name == "owner1"))
    add_member(session, ws, viewer, Role.VIEWER)
    session.commit()
    login(client, "viewer1")
    token = csrf_from(client.get("/").text)
    client.post(f"/workspaces/{ws.id}/switch", data={"csrf_token": token})
    assert client.get("/accounts/connect").status_code == 403


def test_refresh_job_refreshes_old_tokens_and_marks_dead_ones(owner, ig_stack, session, app):
    connect(owner)
    settings = app.config["SETTINGS"]
    account = session.scalar(select(InstagramAccount))
    old_cipher = account.token_ciphertext
    client = make_client(settings)
    # Not yet due: younger than 24 h and far from expiry.
    assert refresh_due_tokens(session, settings, client) == {"refreshed": 0, "failed": 0, "dead": 0}
    # 52 days later: older than 24 h and within 10 days of expiry.
    ig_stack.admin("POST", "clock", {"advance_seconds": 52 * 86400})
    later = utcnow() + timedelta(days=52)
    counts = refresh_due_tokens(session, settings, client, now=later)
    session.commit()
    assert counts["refreshed"] == 1
    assert account.token_ciphertext != old_cipher
    # A dead token (code 190) is never retried: the account needs reconnecting.
    ig_stack.admin(
        "POST", "faults", {"kind": "token_expired", "endpoint": "*refresh_access_token*"}
    )
    account.token_issued_at = later - timedelta(days=51)
    account.token_expires_at = later + timedelta(days=5)
    session.commit()
    counts = refresh_due_tokens(session, settings, client, now=later + timedelta(days=1))
    session.commit()
    assert counts["dead"] == 1 and account.needs_reconnect
    notes = session.scalars(select(Notification)).all()
    assert [n.kind for n in notes] == ["token_dead"]
    assert "Reconnect needed" in owner.get("/accounts/").text


def test_refresh_failure_is_recorded_and_retried_later(owner, ig_stack, session, app):
    connect(owner)
    settings = app.config["SETTINGS"]
    account = session.scalar(select(InstagramAccount))
    ig_stack.admin("POST", "clock", {"advance_seconds": 52 * 86400})
    ig_stack.admin(
        "POST", "faults", {"kind": "http_500", "endpoint": "*refresh_access_token*", "count": 1}
    )
    now = utcnow() + timedelta(days=52)
    assert refresh_due_tokens(session, settings, make_client(settings), now=now)["failed"] == 1
    session.commit()
    assert account.refresh_failures == 1 and account.next_refresh_attempt_at > now
    assert not account.needs_reconnect
    # Within the back-off nothing is tried; after it the refresh succeeds.
    assert refresh_due_tokens(session, settings, make_client(settings), now=now)["failed"] == 0
    retry_at = account.next_refresh_attempt_at + timedelta(seconds=1)
    assert (
        refresh_due_tokens(session, settings, make_client(settings), now=retry_at)["refreshed"] == 1
    )


def test_tokens_rotate_reencrypts_under_the_newest_key(owner, ig_stack, session, app):
    connect(owner)
    settings = app.config["SETTINGS"]
    account = session.scalar(select(InstagramAccount))
    plain = read_token(settings, account)
    new_key = "t2:" + base64.urlsafe_b64encode(b"n" * 32).decode()
    settings.TOKEN_ENCRYPTION_KEYS = f"{new_key},{settings.TOKEN_ENCRYPTION_KEYS}"
    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    assert result.exit_code == 0 and "Re-encrypted 1 token(s)." in result.output
    session.expire_all()
    account = session.scalar(select(InstagramAccount))
    assert account.token_ciphertext.startswith("v1:t2:")
    assert read_token(settings, account) == plain
    assert rotate_tokens(session, settings) == 0


def test_disconnect_deletes_token_and_cached_data_after_confirmation(owner, ig_stack, session):
    connect(owner)
    account = session.scalar(select(InstagramAccount))
    url = f"/accounts/{account.id}/disconnect"
    token = csrf_from(owner.get(url).text)
    resp = owner.post(url, data={"csrf_token": token, "confirm": "wrong"})
    assert "Type the account" in resp.text
    assert session.scalar(select(func.count(InstagramAccount.id))) == 1
    resp = owner.post(url, data={"csrf_token": token, "confirm": account.username})
    assert resp.status_code == 302
    assert session.scalar(select(func.count(InstagramAccount.id))) == 0
    assert session.scalar(select(func.count(InstagramMedia.id))) == 0


def test_sync_now_is_done_by_the_worker_job(owner, ig_stack, session, app):
    connect(owner)
    account = session.scalar(select(InstagramAccount))
    token = csrf_from(owner.get(f"/accounts/{account.id}").text)
    owner.post(f"/accounts/{account.id}/sync", data={"csrf_token": token})
    session.expire_all()
    account = session.scalar(select(InstagramAccount))
    assert account.sync_requested_at is not None
    settings = app.config["SETTINGS"]
    assert sync_requested(session, settings, make_client(settings)) == 1
    session.commit()
    assert account.sync_requested_at is None and account.last_sync_at is not None


def test_connect_error_is_shown_localized_and_stores_nothing(owner, ig_stack, session):
    ig_stack.admin("POST", "faults", {"kind": "http_500", "endpoint": "*access_token*"})
    location = _consent(_start(owner)).removesuffix("#_")
    resp = owner.get(
        _callback_path(location), follow_redirects=True, headers={"Accept-Language": "ru"}
    )
    assert "Instagram" in resp.text and 'class="alert alert-danger' in resp.text
    assert session.scalar(select(func.count(InstagramAccount.id))) == 0


def test_doctor_lists_checks_urls_and_account_state(client, make_user, ig_stack, session):
    make_user("root", is_admin=True)
    login(client, "root")
    connect(client)
    page = client.get("/admin/instagram-check").text
    assert f"{ig_stack.url}/accounts/oauth/callback" in page
    assert f"{ig_stack.url}/webhooks/instagram" in page
    assert 'data-check="token"' in page and 'data-check="webhook_subscription"' in page
    ok = re.findall(r'check-(ok|fail)" data-check="(\w+)"', page)
    states = {name: s for s, name in ok}
    assert states["token"] == "ok" and states["webhook_subscription"] == "ok"
    assert states["last_webhook"] == "fail"  # nothing has arrived yet


def test_all_log_output_of_the_flow_holds_no_token(owner, ig_stack, session, app, caplog, capsys):
    import logging

    caplog.set_level(logging.DEBUG)
    connect(owner)
    account = session.scalar(select(InstagramAccount))
    settings = app.config["SETTINGS"]
    token = read_token(settings, account)
    ig_stack.admin("POST", "clock", {"advance_seconds": 52 * 86400})
    refresh_due_tokens(session, settings, make_client(settings), now=utcnow() + timedelta(days=52))
    session.commit()
    new_token = read_token(settings, account)
    out = capsys.readouterr()
    text = caplog.text + out.out + out.err
    assert token not in text and new_token not in text
    assert IG_SECRET_FRAGMENT not in text


IG_SECRET_FRAGMENT = "kezek-test-app-secret"
