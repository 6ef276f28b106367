"""The Telegram Login Widget's data check, on its own (no database, no HTTP)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from app.services.identities import IdentityError, verify_telegram

TOKEN = "123:secret"
NOW = 1_800_000_000


def signed(**fields) -> dict:
    data = {k: str(v) for k, v in fields.items()}
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    key = hashlib.sha256(TOKEN.encode()).digest()
    return {**data, "hash": hmac.new(key, check.encode(), hashlib.sha256).hexdigest()}


def test_valid_data_gives_the_stable_id_and_name():
    p = verify_telegram(signed(id=5, first_name="Aru", username="aru", auth_date=NOW), TOKEN, NOW)
    assert (p.provider, p.provider_user_id, p.display_name, p.login) == (
        "telegram",
        "5",
        "Aru",
        "aru",
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({**signed(id=5, auth_date=NOW), "id": "6"}, "telegram_invalid"),
        ({**signed(id=5, auth_date=NOW), "extra": "x"}, "telegram_invalid"),
        (signed(id=5, auth_date=NOW - 86401), "telegram_stale"),
        (signed(id=5, auth_date=NOW + 3600), "telegram_stale"),
        ({k: v for k, v in signed(id=5, auth_date=NOW).items() if k != "hash"}, "telegram_invalid"),
        (signed(id=5, auth_date="soon"), "telegram_invalid"),
    ],
    ids=["tampered", "added-field", "day-old", "future", "no-hash", "bad-date"],
)
def test_bad_data_is_refused(data, code):
    with pytest.raises(IdentityError) as err:
        verify_telegram(data, TOKEN, NOW)
    assert err.value.code == code


def test_other_bots_signature_is_refused():
    data = signed(id=5, auth_date=NOW)
    with pytest.raises(IdentityError):
        verify_telegram(data, "456:other", NOW)
