"""No token ever leaks into logs or errors; sandbox shapes match the fact sheet."""

from __future__ import annotations

import logging
import threading
import traceback
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ig_helpers import APP_ID, APP_SECRET, REDIRECT, consent_form
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from app.instagram import InstagramClient, InstagramError
from app.instagram.sandbox import create_sandbox_app


def test_full_flow_never_logs_or_raises_a_token(caplog, client, sandbox_server, media_server):
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [APP_SECRET]
    errors: list[InstagramError] = []

    def expect_error(call, *args, **kwargs):
        with pytest.raises(InstagramError) as info:
            call(*args, **kwargs)
        errors.append(info.value)

    page = requests.get(client.authorize_url_for(redirect_uri=REDIRECT, state="x"), timeout=5)
    form = {**consent_form(page.text), "account": "17841400000000001"}
    location = requests.post(
        f"{sandbox_server.url}/oauth/authorize", data=form, allow_redirects=False, timeout=5
    ).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    secrets.append(code)
    short = client.exchange_code(code, redirect_uri=REDIRECT)
    secrets.append(short.access_token)
    expect_error(client.exchange_code, code, redirect_uri=REDIRECT)
    long = client.exchange_long_lived(short.access_token)
    secrets.append(long.access_token)
    expect_error(client.refresh_token, long.access_token)
    token = long.access_token
    list(client.iter_media(token, limit=7))
    expect_error(client.create_image_container, token, image_url=f"{media_server}/x.jpg")
    sandbox_server.fault(endpoint="*", kind="disconnect")
    expect_error(client.get_profile, token)
    sandbox_server.fault(endpoint="*", kind="token_expired")
    expect_error(client.get_profile, token)
    sandbox_server.fault(endpoint="*", kind="throttle", code=80002)
    expect_error(client.list_media, token)
    sandbox_server.advance(86400 * 2)
    refreshed = client.refresh_token(token)
    secrets.append(refreshed.access_token)
    sandbox_server.advance(86400 * 70)
    expect_error(client.refresh_token, token)
    dead = InstagramClient(
        graph_url="http://127.0.0.1:9", app_id=APP_ID, app_secret=APP_SECRET, timeout=(1, 1)
    )
    expect_error(dead.exchange_long_lived, token)

    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for err in errors:
        texts += [str(err), repr(err), repr(err.args), "".join(traceback.format_exception(err))]
    texts += [repr(short), repr(long), repr(client)]
    blob = "\n".join(texts)
    assert "api.instagram" not in blob  # sanity: the blob is from our sandbox
    assert len(errors) == 8
    for secret in secrets:
        assert secret not in blob
    assert "access_token=***" in caplog.text  # urllib3's line was redacted, not lost


# Expected keys, written from the fact sheet's examples.
SHAPES = {
    "long_lived": {"access_token", "token_type", "expires_in"},
    "me": {
        "id",
        "user_id",
        "username",
        "name",
        "account_type",
        "profile_picture_url",
        "followers_count",
        "follows_count",
        "media_count",
    },
    "media_page": {"data", "paging"},
    "paging": {"cursors", "next"},
    "cursors": {"before", "after"},
    "container": {"id"},
    "status": {"id", "status_code", "status"},
    "limit_row": {"quota_usage", "config"},
    "limit_config": {"quota_total", "quota_duration"},
    "send": {"recipient_id", "message_id"},
    "conversation_list_item": {"id", "updated_time"},
    "conversation": {"id", "messages"},
    "message": {"id", "created_time", "from", "to", "message"},
    "insight": {"name", "period", "title", "description", "total_value", "id"},
}


def test_sandbox_shapes_match_reference(sandbox_server, media_server):
    base = f"{sandbox_server.url}/v25.0"
    tok = sandbox_server.token(long_lived=False)
    get = lambda path, **p: requests.get(  # noqa: E731
        f"{base}/{path}", params={"access_token": tok, **p}, timeout=5
    ).json()
    post = lambda path, **body: requests.post(  # noqa: E731
        f"{base}/{path}", params={"access_token": tok}, json=body, timeout=5
    ).json()

    ll = requests.get(
        f"{sandbox_server.url}/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": APP_SECRET,
            "access_token": tok,
        },
        timeout=5,
    ).json()
    assert set(ll) == SHAPES["long_lived"]
    assert set(get("me", fields=",".join(SHAPES["me"]))) == SHAPES["me"]
    page = get("me/media", limit=2)
    assert set(page) == SHAPES["media_page"]
    assert set(page["paging"]) == SHAPES["paging"]
    assert set(page["paging"]["cursors"]) == SHAPES["cursors"]
    container = post("me/media", image_url=f"{media_server}/square.jpg")
    assert set(container) == SHAPES["container"]
    assert set(get(container["id"], fields="status_code,status")) == SHAPES["status"]
    row = get("me/content_publishing_limit", fields="quota_usage,config")["data"][0]
    assert set(row) == SHAPES["limit_row"]
    assert set(row["config"]) == SHAPES["limit_config"]
    sent = post("me/messages", recipient={"id": "6100000000000001"}, message={"text": "hi"})
    assert set(sent) == SHAPES["send"]
    convs = get("me/conversations", platform="instagram")["data"]
    assert set(convs[0]) == SHAPES["conversation_list_item"]
    conv = get(convs[0]["id"], fields="messages")
    assert set(conv) == SHAPES["conversation"]
    assert set(conv["messages"]["data"][0]) == {"id", "created_time"}
    msg = get(sent["message_id"], fields="id,created_time,from,to,message")
    assert set(msg) == SHAPES["message"] and set(msg["to"]) == {"data"}
    insight = get("me/insights", metric="reach", period="day", metric_type="total_value")["data"][0]
    assert set(insight) == SHAPES["insight"]
    assert post("me/subscribed_apps", subscribed_fields="comments") == {"success": True}


def test_sandbox_mounted_under_prefix_builds_prefixed_links():
    sandbox = create_sandbox_app({"app_id": APP_ID, "app_secret": APP_SECRET})
    root = DispatcherMiddleware(Response("kezek"), {"/_sandbox": sandbox})
    server = make_server("127.0.0.1", 0, root, threaded=True)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    base = f"http://127.0.0.1:{server.server_port}/_sandbox"
    try:
        tok = requests.post(
            f"{base}/_admin/tokens", json={"ig_user_id": "17841400000000001"}, timeout=5
        ).json()["access_token"]
        client = InstagramClient(
            graph_url=base, api_url=base, app_id=APP_ID, app_secret=APP_SECRET, timeout=(2, 5)
        )
        assert len(list(client.iter_media(tok, limit=10))) == 24
        raw = requests.get(
            f"{base}/v25.0/me/media",
            params={"limit": 5},
            headers={"Authorization": f"Bearer {tok}"},
            timeout=5,
        ).json()
        assert raw["paging"]["next"].startswith(f"{base}/v25.0/me/media?")
        assert raw["data"] and client.get_profile(tok).profile_picture_url.startswith(base)
        page = requests.get(f"{base}/_admin/customer", timeout=5).text
        assert 'action="/_sandbox/_admin/customer/comment"' in page
    finally:
        server.shutdown()
        server.server_close()
