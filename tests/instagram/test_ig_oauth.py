"""The OAuth dance against the sandbox, driven with requests and the client."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ig_helpers import ACCOUNT, REDIRECT, consent_form

from app.instagram import ErrorKind, InstagramError
from app.instagram.oauth import strip_code

DAY = 86400


def authorize(client, *, account: str = ACCOUNT, cancel: bool = False) -> str:
    """Open the consent page, pick an account (or cancel); return the Location."""
    url = client.authorize_url_for(redirect_uri=REDIRECT, state="csrf-123")
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "aruzhan.coffee" in page.text and "Cancel" in page.text
    form = consent_form(page.text)
    if cancel:
        form["cancel"] = "1"
    else:
        form["account"] = account
    action = urlsplit(url)._replace(query="").geturl()
    resp = requests.post(action, data=form, allow_redirects=False, timeout=5)
    assert resp.status_code == 302
    return resp.headers["Location"]


def code_of(location: str) -> str:
    """The code from a redirect, with Instagram's `#_` still attached."""
    parts = urlsplit(location)
    return parse_qs(parts.query)["code"][0] + ("#" + parts.fragment if parts.fragment else "")


def test_authorize_url_carries_required_params(client):
    url = client.authorize_url_for(redirect_uri=REDIRECT, state="s1")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [client.app_id]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["response_type"] == ["code"]
    assert query["state"] == ["s1"]
    assert "instagram_business_basic" in query["scope"][0].split(",")


def test_full_dance_code_to_long_lived_token(client, sandbox_server):
    location = authorize(client)
    assert location.startswith(REDIRECT + "?")
    assert location.endswith("#_")
    assert parse_qs(urlsplit(location).query)["state"] == ["csrf-123"]

    short = client.exchange_code(code_of(location), redirect_uri=REDIRECT)
    assert short.user_id == ACCOUNT
    assert "instagram_business_basic" in short.permissions

    long = client.exchange_long_lived(short.access_token)
    assert long.token_type == "bearer"
    assert 59 * DAY < long.expires_in <= 60 * DAY
    assert client.get_profile(long.access_token).user_id == ACCOUNT


def test_cancel_redirects_with_user_denied(client):
    location = authorize(client, cancel=True)
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"]
    assert query["error_reason"] == ["user_denied"]
    assert query["error_description"] == ["The user denied your request"]
    assert "code" not in query


@pytest.mark.parametrize(
    "override, text",
    [
        ({"client_id": "999"}, "Invalid app ID"),
        ({"redirect_uri": ""}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "business_basic"}, "Invalid Scopes"),
    ],
)
def test_authorize_page_validates_request(sandbox_server, client, override, text):
    url = client.authorize_url_for(redirect_uri=REDIRECT)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    resp = requests.get(
        f"{sandbox_server.url}/oauth/authorize", params={**query, **override}, timeout=5
    )
    assert resp.status_code == 400
    assert text in resp.text


def test_code_is_single_use(client):
    code = code_of(authorize(client))
    client.exchange_code(code, redirect_uri=REDIRECT)
    with pytest.raises(InstagramError) as info:
        client.exchange_code(code, redirect_uri=REDIRECT)
    assert info.value.message_key == "oauth_code_invalid"
    assert info.value.error_type == "OAuthException"
    assert info.value.code == 400


def test_code_expires_after_an_hour(client, sandbox_server):
    code = code_of(authorize(client))
    sandbox_server.advance(3601)
    with pytest.raises(InstagramError) as info:
        client.exchange_code(code, redirect_uri=REDIRECT)
    assert info.value.message_key == "oauth_code_invalid"


def test_code_exchange_requires_identical_redirect_uri(client):
    code = code_of(authorize(client))
    with pytest.raises(InstagramError) as info:
        client.exchange_code(code, redirect_uri=REDIRECT + "/")
    assert info.value.message_key == "oauth_redirect_mismatch"


def test_code_exchange_checks_client_secret(sandbox_server, client_for, client):
    code = code_of(authorize(client))
    wrong = client_for(sandbox_server, app_secret="nope")
    with pytest.raises(InstagramError) as info:
        wrong.exchange_code(code, redirect_uri=REDIRECT)
    assert info.value.message_key == "oauth_client_invalid"
    assert info.value.kind is ErrorKind.BAD_INPUT


@pytest.mark.parametrize("shape", ["wrapped", "flat"])
def test_code_exchange_parses_both_shapes_and_keeps_big_ids_exact(sandbox_server, client, shape):
    sandbox_server.configure(code_exchange_shape=shape)
    code = code_of(authorize(client))
    raw = requests.post(
        f"{sandbox_server.url}/oauth/access_token",
        data={
            "client_id": client.app_id,
            "client_secret": "sandbox-test-secret",
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
            "code": strip_code(code),
        },
        timeout=5,
    )
    body = raw.json()
    if shape == "flat":
        # The id really is a JSON number above 2^53 that a float cannot hold.
        assert isinstance(body["user_id"], int) and body["user_id"] > 2**53
        assert float(body["user_id"]) != body["user_id"]
        assert re.search(rf'"user_id":\s*{ACCOUNT}[,}}]', raw.text)
    else:
        assert body["data"][0]["user_id"] == ACCOUNT
    again = client.exchange_code(code_of(authorize(client)), redirect_uri=REDIRECT)
    assert again.user_id == ACCOUNT
    assert isinstance(again.user_id, str)


def test_refresh_refused_before_24_hours(client, sandbox_server):
    long = sandbox_server.token()
    with pytest.raises(InstagramError) as info:
        client.refresh_token(long)
    assert info.value.code == 100
    assert "24 hours" in info.value.message


def test_refresh_after_24_hours_gives_new_60_day_token(client, sandbox_server):
    long = sandbox_server.token()
    sandbox_server.advance(DAY + 60)
    fresh = client.refresh_token(long)
    assert fresh.access_token != long
    assert 59 * DAY < fresh.expires_in <= 60 * DAY
    assert client.get_profile(fresh.access_token).username == "aruzhan.coffee"


def test_refresh_refused_for_expired_token(client, sandbox_server):
    long = sandbox_server.token()
    sandbox_server.advance(61 * DAY)
    with pytest.raises(InstagramError) as info:
        client.refresh_token(long)
    assert info.value.kind is ErrorKind.TOKEN_DEAD
    assert info.value.message_key == "token_expired"


def test_short_lived_token_dies_after_an_hour(client, sandbox_server):
    short = client.exchange_code(code_of(authorize(client)), redirect_uri=REDIRECT)
    sandbox_server.advance(3601)
    with pytest.raises(InstagramError) as info:
        client.get_profile(short.access_token)
    assert info.value.kind is ErrorKind.TOKEN_DEAD
    assert info.value.error_subcode == 463


def test_long_lived_exchange_checks_client_secret(sandbox_server, client_for):
    short = sandbox_server.token(long_lived=False)
    wrong = client_for(sandbox_server, app_secret="nope")
    with pytest.raises(InstagramError) as info:
        wrong.exchange_long_lived(short)
    assert info.value.code == 101


def test_tokens_are_opaque_and_not_meta_shaped(sandbox_server):
    value = sandbox_server.token()
    assert value.startswith("SBX.")
    assert not value.startswith(("IGAA", "EAA"))
