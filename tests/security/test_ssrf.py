"""SSRF: Kezek fetches only configured hosts; no user-supplied URL makes it fetch anything.

The static half reads the code: every outbound HTTP/SMTP call site is in `CALL_SITES` with the
setting its host comes from, and no other module may import an HTTP client. The behavioural
half feeds URL-looking input (webhook attachments, story links, profile pictures, captions,
flow image steps, names) pointing at a loopback canary server and checks it heard nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from app.extensions import db
from app.models import InstagramAccount
from app.services.inbox import process_pending
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
OUTBOUND = re.compile(
    r"requests\.(?:get|post|put|patch|delete|head|request|Session)\(|\bhttpx\b|urllib\.request"
    r"|urlopen\(|http\.client|smtplib\.SMTP(?:_SSL)?\(|\.session\.request\(|\bhttp\.(?:get|post)\("
    r"|authorize_access_token\(|create_connection\("
)
CLIENT_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(requests|httpx|urllib\.request|http\.client"
    r"|smtplib|aiohttp|urllib3|pycurl)\b",
    re.M,
)

# (file, call text) -> where the host comes from. A new call site fails the test until listed.
CALL_SITES = {
    ("app/instagram/transport.py", "requests.Session("): "the session every Graph call uses",
    (
        "app/instagram/transport.py",
        ".session.request(",
    ): "INSTAGRAM_GRAPH_URL / INSTAGRAM_API_URL (paths only come from our code)",
    ("app/services/delivery_channels.py", "smtplib.SMTP_SSL("): "SMTP_URL",
    ("app/services/delivery_channels.py", "smtplib.SMTP("): "SMTP_URL",
    ("app/services/delivery_channels.py", "requests.post("): "TELEGRAM_API_URL",
    ("app/services/assistant_client.py", "http.post("): "AI_API_BASE_URL",
    (
        "app/services/media.py",
        "requests.get(",
    ): "PUBLIC_BASE_URL (our own public media link, checked to be a global address first)",
    (
        "app/web/identity/oauth.py",
        "authorize_access_token(",
    ): "GOOGLE_TOKEN_URL / GOOGLE_JWKS_URL / YANDEX_OAUTH_URL",
    ("app/web/identity/oauth.py", "requests.get("): "YANDEX_LOGIN_URL",
    # Google's keys, cached per process; oauth.py passes the URL from GOOGLE_JWKS_URL.
    ("app/services/jwks.py", "requests.get("): "GOOGLE_JWKS_URL (given by identity/oauth.py)",
    # The sandbox plays Instagram in development (never with a real app id, never in
    # production): it fetches the media URLs Kezek gives it and posts webhooks to Kezek.
    ("app/instagram/sandbox/media_checks.py", "requests.Session("): (
        "sandbox only: Kezek's media URL"
    ),
    ("app/instagram/sandbox/webhooks.py", "requests.post("): "sandbox only: Kezek's webhook URL",
    # The one deliberate exception: outgoing webhooks POST to URLs an editor registered. They
    # are https-only in production, refused when any address is private/loopback/link-local
    # (checked on save and again before each send, connecting to the checked address) unless
    # OUTGOING_WEBHOOKS_ALLOW_PRIVATE, never follow redirects and time out after
    # OUTGOING_WEBHOOKS_TIMEOUT_SECONDS (tests/automations/test_outgoing_webhooks_ssrf.py).
    (
        "app/services/outgoing_webhooks/sending.py",
        "urlopen(",
    ): "a workspace's registered endpoint URL, public addresses only (see above)",
}
# The setting each file must read its host from.
SETTINGS_USED = {
    "app/services/delivery_channels.py": ("SMTP_URL", "TELEGRAM_API_URL"),
    "app/services/assistant_client.py": ("AI_API_BASE_URL",),
    "app/services/media.py": ("PUBLIC_BASE_URL",),
    "app/web/identity/oauth.py": ("GOOGLE_TOKEN_URL", "YANDEX_OAUTH_URL", "YANDEX_LOGIN_URL"),
    "app/services/instagram.py": ("INSTAGRAM_GRAPH_URL", "INSTAGRAM_API_URL"),
    "app/services/outgoing_webhooks/sending.py": (
        "OUTGOING_WEBHOOKS_TIMEOUT_SECONDS",
        "resolve(settings",
    ),
}
# Modules that may import an HTTP client (for types or exceptions, or to make the calls above).
CLIENT_MODULES = {path for path, _ in CALL_SITES} | {
    "app/services/publisher.py",  # a requests.Session per worker thread for the Graph client
    "app/services/instagram.py",
    "app/instagram/client.py",
}


def _sources():
    for base in ("app", "scheduler"):
        for path in sorted((ROOT / base).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_every_outbound_call_site_uses_a_configured_host():
    found = set()
    for rel, text in _sources():
        for line in text.splitlines():
            if line.strip().startswith("#"):
                continue
            for match in OUTBOUND.finditer(line):
                found.add((rel, match.group(0)))
    unknown = found - set(CALL_SITES)
    assert not unknown, f"list each new outbound call with the setting of its host: {unknown}"
    stale = set(CALL_SITES) - found
    assert not stale, f"these call sites are gone; remove them from CALL_SITES: {stale}"
    for rel, names in SETTINGS_USED.items():
        text = (ROOT / rel).read_text()
        for name in names:
            assert name in text, f"{rel} no longer reads its host from {name}"


def test_only_known_modules_import_an_http_client():
    importers = {rel for rel, text in _sources() if CLIENT_IMPORT.search(text)}
    unknown = importers - CLIENT_MODULES
    assert not unknown, f"new modules talk to the network; add their call sites: {unknown}"


class Canary:
    """A loopback HTTP server that records every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.end_headers()
                self.wfile.write(b"\xff\xd8\xff")

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.server.shutdown()


def _signed(app, payload) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    secret = app.config["SETTINGS"].INSTAGRAM_APP_SECRET
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sig}


def test_urls_in_user_input_are_never_fetched(app, client, make_user, session, canary):
    assert requests.get(f"{canary.url}/selftest", timeout=5).status_code == 200
    assert canary.hits == ["/selftest"]  # the canary hears requests when they come
    canary.hits.clear()
    evil = f"{canary.url}/evil"
    owner = make_user("alice")
    ws = owner.memberships[0].workspace
    account = InstagramAccount(
        workspace_id=ws.id, ig_user_id="17841400000000001", username="aruzhan.coffee"
    )
    session.add(account)
    session.commit()

    now = int(time.time())
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": "17841400000000001",
                "time": now * 1000,
                "messaging": [
                    {
                        "sender": {"id": "6100000000000001"},
                        "recipient": {"id": "17841400000000001"},
                        "timestamp": now * 1000,
                        "message": {
                            "mid": "m-ssrf-1",
                            "text": f"look {evil}/text",
                            "attachments": [
                                {"type": "image", "payload": {"url": f"{evil}/attachment"}},
                                {"type": "story_mention", "payload": {"url": f"{evil}/story"}},
                                {"type": "share", "payload": {"url": f"{evil}/share"}},
                            ],
                        },
                    }
                ],
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "c-ssrf-1",
                            "text": f"{evil}/comment",
                            "from": {
                                "id": "6100000000000002",
                                "username": "x",
                                "profile_pic": f"{evil}/pic",
                            },
                            "media": {"id": "m1", "media_product_type": "FEED"},
                        },
                    }
                ],
            }
        ],
    }
    body, headers = _signed(app, payload)
    assert client.post("/webhooks/instagram", data=body, headers=headers).status_code == 200
    with app.app_context():
        process_pending(db.session)
        db.session.commit()

    # The dashboard and the API with URL-looking fields.
    login(client, "alice")
    from app.services.api_tokens import create_token
    from tests.api.conftest import Api

    _row, raw = create_token(session, session.merge(owner), "ssrf")
    session.commit()
    api = Api(client, raw)
    api.post(
        "/posts",
        json={
            "account_id": str(account.id),
            "type": "image",
            "caption": f"{evil}/caption",
            "media_ids": [],
        },
    )
    api.post(
        "/automations/flows",
        json={
            "name": "F",
            "steps": [
                {"kind": "image", "image_url": f"{evil}/flow"},
                {"kind": "text", "text": evil},
            ],
        },
    )
    api.put("/users/me", json={"display_name": f"{evil}/name"})
    api.post(f"/accounts/{account.id}/knowledge", json={"title": evil, "body": evil})
    api.post("/media", data={"file": (b"GIF89a", f"{evil}/x.gif")})
    # Pages that render all of it.
    for page in ("/inbox/", "/publishing/", "/automations/flows", "/media/", "/settings/"):
        client.get(page)
    assert canary.hits == []
