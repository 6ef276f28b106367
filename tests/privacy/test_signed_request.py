"""signed_request parsing, and Meta's data-deletion and deauthorize callbacks over HTTP."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AccountStatus, DeletionRequest, InstagramAccount, User
from app.services.signed_request import (
    SignedRequestError,
    make_signed_request,
    parse_signed_request,
)
from scheduler.privacy_jobs import run_deletion_requests
from tests.privacy.conftest import make_account

SECRET = "app-secret-1"
NOW = 1_800_000_000


def _payload(**over):
    return {
        "algorithm": "HMAC-SHA256",
        "issued_at": NOW - 10,
        "user_id": "17841400000000001",
        **over,
    }


def _parse(raw, secrets=(SECRET,), now=NOW):
    return parse_signed_request(raw, list(secrets), max_age=3600, now=now)


def test_a_valid_signed_request_gives_its_payload():
    assert _parse(make_signed_request(_payload(), SECRET))["user_id"] == "17841400000000001"


def test_the_meta_secret_is_accepted_beside_the_instagram_one():
    raw = make_signed_request(_payload(), "meta-secret")
    assert _parse(raw, secrets=(SECRET, "meta-secret"))["algorithm"] == "HMAC-SHA256"


def test_padded_base64_is_accepted_too():
    sig, _, body = make_signed_request(_payload(), SECRET).partition(".")
    padded = sig + "=" * (-len(sig) % 4) + "." + body
    assert _parse(padded)["issued_at"] == NOW - 10


def _tamper(raw: str) -> str:
    sig, _, body = raw.partition(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["user_id"] = "999"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{sig}.{forged}"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (make_signed_request(_payload(), "wrong-secret"), "bad_signature"),
        (_tamper(make_signed_request(_payload(), SECRET)), "bad_signature"),
        ("abc$.def", "bad_encoding"),
        ("a.b", "bad_encoding"),
        ("nodot", "malformed"),
        ("", "malformed"),
        (make_signed_request(_payload(algorithm="HMAC-SHA1"), SECRET), "bad_algorithm"),
        (make_signed_request(_payload(algorithm=None), SECRET), "bad_algorithm"),
        (make_signed_request(_payload(issued_at=NOW - 7200), SECRET), "stale"),
        (make_signed_request(_payload(issued_at=NOW + 3600), SECRET), "stale"),
        (make_signed_request(_payload(issued_at="soon"), SECRET), "bad_payload"),
        (make_signed_request(_payload(user_id=""), SECRET), "no_user"),
    ],
    ids=[
        "wrong-secret",
        "tampered",
        "bad-characters",
        "bad-padding",
        "no-dot",
        "empty",
        "wrong-algorithm",
        "no-algorithm",
        "expired",
        "future",
        "bad-issued-at",
        "no-user",
    ],
)
def test_bad_signed_requests_are_refused(raw, code):
    with pytest.raises(SignedRequestError) as err:
        _parse(raw)
    assert err.value.code == code


def test_a_bad_signature_is_400_and_records_nothing(client, session, sign):
    resp = client.post(
        "/meta/data-deletion", data={"signed_request": sign("17841400000000001", secret="nope")}
    )
    assert resp.status_code == 400
    resp = client.post(
        "/meta/deauthorize", data={"signed_request": sign("17841400000000001", issued_at=1000)}
    )
    assert resp.status_code == 400
    assert session.scalar(select(func.count(DeletionRequest.id))) == 0


def test_data_deletion_answers_a_code_and_a_status_url(app, client, session, sign, make_user):
    user = make_user("owner1")
    account = make_account(session, user.memberships[0].workspace_id, "shop")
    session.commit()
    account_id, username, ig_id = account.id, account.username, account.ig_user_id
    raw = sign(ig_id)
    resp = client.post("/meta/data-deletion", data={"signed_request": raw})
    assert resp.status_code == 200
    body = resp.get_json()
    code = body["confirmation_code"]
    assert code.isalnum()
    assert body["url"] == f"http://127.0.0.1:8000/data-deletion/status?code={code}"
    req = session.scalar(select(DeletionRequest))
    assert req.raw_payload == raw and req.state == "received"

    page = client.get(f"/data-deletion/status?code={code}")
    assert page.status_code == 200 and "Received" in page.text
    assert username not in page.text and ig_id not in page.text

    with app.app_context():
        assert run_deletion_requests() == 1
    session.expire_all()
    assert session.get(InstagramAccount, account_id) is None
    page = client.get(f"/data-deletion/status?code={code}")
    assert "Completed" in page.text
    assert "was deleted" in page.text
    assert session.get(User, user.id) is not None


def test_an_unknown_user_still_gets_a_code_and_nothing_was_held(app, client, session, sign):
    code = client.post("/meta/data-deletion", data={"signed_request": sign("123456")}).get_json()[
        "confirmation_code"
    ]
    with app.app_context():
        run_deletion_requests()
    page = client.get(f"/data-deletion/status?code={code}", headers={"Accept-Language": "ru"})
    assert "Kezek не хранил" in page.text
    assert client.get("/data-deletion/status?code=NOPE").status_code == 404


def test_the_app_scoped_id_is_matched_as_well(app, client, session, sign, make_user):
    user = make_user()
    account = make_account(session, user.memberships[0].workspace_id, "scoped")
    session.commit()
    account_id = account.id
    client.post("/meta/data-deletion", data={"signed_request": sign(account.app_scoped_id)})
    with app.app_context():
        run_deletion_requests()
    session.expire_all()
    assert session.get(InstagramAccount, account_id) is None


def test_deauthorize_drops_the_token_now_and_the_data_after_the_grace(
    app, client, session, sign, make_user
):
    user = make_user()
    gone = make_account(session, user.memberships[0].workspace_id, "gone")
    back = make_account(session, user.memberships[0].workspace_id, "back")
    session.commit()
    gone_id, back_id = gone.id, back.id
    for account in (gone, back):
        assert (
            client.post(
                "/meta/deauthorize", data={"signed_request": sign(account.ig_user_id)}
            ).status_code
            == 200
        )
    session.expire_all()
    for account_id in (gone_id, back_id):
        row = session.get(InstagramAccount, account_id)
        assert row.token_ciphertext is None and row.status == AccountStatus.DISCONNECTED.value
    from tests.conftest import login

    login(client, user.username)
    assert "Disconnected" in client.get("/accounts/").text
    # Reconnected within the grace period: kept.
    session.get(InstagramAccount, back_id).status = AccountStatus.ACTIVE.value
    session.commit()
    with app.app_context():
        assert run_deletion_requests() == 0  # not due yet
        grace = app.config["SETTINGS"].DELETED_ACCOUNT_GRACE_DAYS
        from app.models import utcnow

        assert run_deletion_requests(now=utcnow() + timedelta(days=grace, minutes=1)) == 2
    session.expire_all()
    assert session.get(InstagramAccount, gone_id) is None
    assert session.get(InstagramAccount, back_id) is not None


def test_the_meta_secret_signs_callbacks_when_set(app, client, session, sign):
    app.config["SETTINGS"].META_APP_SECRET = "meta-app-secret"
    resp = client.post(
        "/meta/data-deletion", data={"signed_request": sign("42", secret="meta-app-secret")}
    )
    assert resp.status_code == 200
