"""What the fault checks and bench/load.py share to drive real Kezek processes.

No pytest here: bench/load.py imports it as a plain module.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

# Variables of ours that must not leak from the developer's shell into a child process.
OURS = (
    "KEZEK",
    "SECRET_KEY",
    "TOKEN_ENCRYPTION",
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "INSTAGRAM",
    "META_",
    "GUNICORN",
    "MEDIA_DIR",
    "PUBLISH_",
    "INBOX_",
    "HEARTBEAT",
    "AUTOMATION_",
    "AI_",
    "PROXY_HOPS",
    "PORT",
    "API_RATE_LIMIT",
)


def jpeg(size=(1080, 1080), color=(30, 120, 200)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=70)
    return buf.getvalue()


class StubServer:
    """The Instagram sandbox at /_sandbox plus a stand-in for Kezek's public media URLs at /m/,
    on one threaded loopback server (port 0: any free port)."""

    def __init__(self, app_id: str, app_secret: str, port: int = 0):
        from werkzeug.middleware.dispatcher import DispatcherMiddleware
        from werkzeug.serving import WSGIRequestHandler, make_server
        from werkzeug.wrappers import Response

        from app.instagram.sandbox import create_sandbox_app

        body = jpeg()

        def media(environ, start_response):
            return Response(body, mimetype="image/jpeg")(environ, start_response)

        def not_found(environ, start_response):
            return Response("not found", status=404)(environ, start_response)

        class Quiet(WSGIRequestHandler):
            def log(self, *a, **k):
                pass

        sandbox = create_sandbox_app({"app_id": app_id, "app_secret": app_secret})
        app = DispatcherMiddleware(not_found, {"/_sandbox": sandbox, "/m": media})
        self.server = make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StubServer:
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


def child_env(
    database_url: str,
    base_url: str,
    *,
    secret_key: str,
    encryption_keys: str,
    app_id: str,
    app_secret: str,
    **extra,
) -> dict[str, str]:
    """Settings of a real Kezek process on `database_url` talking to the sandbox at `base_url`.

    `base_url` also serves the public media URLs, so Instagram's fetches do not depend on the
    processes under test.
    """
    out = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    sandbox = f"{base_url}/_sandbox"
    out.update(
        KEZEK_ENV="testing",
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        TOKEN_ENCRYPTION_KEYS=encryption_keys,
        PUBLIC_BASE_URL=base_url,
        INSTAGRAM_APP_ID=app_id,
        INSTAGRAM_APP_SECRET=app_secret,
        INSTAGRAM_GRAPH_URL=sandbox,
        INSTAGRAM_API_URL=sandbox,
        INSTAGRAM_AUTHORIZE_URL=f"{sandbox}/oauth/authorize",
        MEDIA_DIR=tempfile.mkdtemp(prefix="kezek-child-media-"),
        LOG_LEVEL="WARNING",
    )
    out.update({k: str(v) for k, v in extra.items()})
    return out


def webhook_delivery(
    n: int, account: str, customer: str, tag: str, media: str = "17900000000000001"
) -> tuple[str, bytes]:
    """Delivery n as Meta sends it: a DM (even n) or a comment (odd n), with a unique key.

    The key is the message `mid` (`mid.<tag>.<n>`) or the comment id (`18<tag digits><n>`).
    """
    ts = int(time.time() * 1000)
    if n % 2 == 0:
        key = f"mid.{tag}.{n}"
        entry = {
            "id": account,
            "time": ts,
            "messaging": [
                {
                    "sender": {"id": customer},
                    "recipient": {"id": account},
                    "timestamp": ts,
                    "message": {"mid": key, "text": f"{tag} dm {n}"},
                }
            ],
        }
    else:
        key = comment_id(tag, n)
        entry = {
            "id": account,
            "time": ts // 1000,
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "id": key,
                        "text": f"{tag} comment {n}",
                        "from": {"id": customer, "username": "customer.one"},
                        "media": {"id": media},
                    },
                }
            ],
        }
    return key, json.dumps({"object": "instagram", "entry": [entry]}).encode()


def comment_id(tag: str, n: int) -> str:
    """A numeric comment id unique to `tag` and n (Instagram ids are digits)."""
    return f"18{sum(map(ord, tag)) % 1000:03d}{n:010d}"


@dataclass
class Seeded:
    workspace_id: int
    post_ids: list[int] = field(default_factory=list)
    api_token: str | None = None


def seed_owner_with_posts(
    database_url: str,
    base_url: str,
    config: dict,
    *,
    username: str,
    password: str,
    accounts: tuple[str, ...],
    posts: int,
    start: datetime,
    every: float,
    api_token: bool = False,
) -> Seeded:
    """An owner, sandbox accounts with real sandbox tokens, one ready image and image posts.

    Post i goes to account i mod len(accounts), due at `start + i * every` seconds.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app import create_app
    from app.extensions import make_engine
    from app.models import InstagramAccount, Membership
    from app.models.media import MediaItem
    from app.services.api_tokens import create_token
    from app.services.instagram import store_token
    from app.services.posts import create_posts
    from app.services.users import create_user

    app = create_app({**config, "DATABASE_URL": database_url, "PUBLIC_BASE_URL": base_url})
    settings = app.config["SETTINGS"]
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as s:
        user = create_user(s, username, password)
        s.commit()
        ws = s.scalar(select(Membership.workspace_id).where(Membership.user_id == user.id))
        seeded = Seeded(workspace_id=ws)
        if api_token:
            _, seeded.api_token = create_token(s, user, "load", read_only=True)
        rows = []
        for ig_id in accounts:
            minted = requests.post(
                f"{base_url}/_sandbox/_admin/tokens", json={"ig_user_id": ig_id}, timeout=10
            ).json()
            acct = InstagramAccount(workspace_id=ws, ig_user_id=ig_id, username=f"u{ig_id[-4:]}")
            s.add(acct)
            s.flush()
            store_token(settings, acct, minted["access_token"], minted["expires_in"])
            rows.append(acct)
        item = MediaItem(
            workspace_id=ws,
            kind="image",
            state="ready",
            original_name="p.jpg",
            content_type="image/jpeg",
            size_bytes=100000,
            width=1080,
            height=1080,
            storage_key="ab/ab" + "0" * 30 + ".jpg",
            public_token="t" * 32,
            progress=100,
            created_by_id=user.id,
        )
        s.add(item)
        s.commit()
        for i in range(posts):
            (post,) = create_posts(
                s,
                settings,
                workspace_id=ws,
                user=user,
                account_ids=[rows[i % len(rows)].id],
                type="image",
                media_ids=[item.id],
                caption=f"post {i}",
                scheduled_at=start + timedelta(seconds=every * i),
            )
            seeded.post_ids.append(post.id)
        s.commit()
    engine.dispose()
    return seeded


def sign_in(base: str, username: str, password: str) -> requests.Session:
    """A dashboard session signed in through the login form (CSRF token and all)."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    resp = http.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if resp.status_code != 302:
        raise RuntimeError(f"sign-in failed: {resp.status_code}")
    return http


def ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False
