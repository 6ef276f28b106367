"""Fixtures of the publishing tests: accounts with sandbox tokens, media files, a worker."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import InstagramAccount, Membership, utcnow
from app.models.media import MediaItem
from app.models.post import Post, PostLog
from app.services.instagram import store_token
from app.services.media_store import new_key, path_for
from app.services.publisher import Publisher

DEMO = "17841400000000001"
DEMO_2 = "17841400000000002"
USERNAMES = {DEMO: "aruzhan.coffee", DEMO_2: "dauren.photo", "17841400000000003": "tomiris.bakery"}


def jpeg_bytes(width: int = 1080, height: int = 1080, color=(200, 120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def mp4_bytes() -> bytes:
    # The sandbox checks reachability, Content-Type and size of videos, not their frames.
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + secrets.token_bytes(2048)


class PublishEnv:
    """The signed-up owner, their workspace, the sandbox and a test worker."""

    def __init__(self, app, stack, session: Session, engine, user):
        self.app = app
        self.stack = stack
        self.session = session
        self.engine = engine
        self.settings = app.config["SETTINGS"]
        self.user = user
        self.workspace_id = session.scalar(
            select(Membership.workspace_id).where(Membership.user_id == user.id)
        )
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.publisher = Publisher(self.sessions, self.settings, worker_id="test-worker")

    def account(self, ig_id: str = DEMO) -> InstagramAccount:
        minted = self.stack.admin("POST", "tokens", {"ig_user_id": ig_id})
        account = InstagramAccount(
            workspace_id=self.workspace_id,
            ig_user_id=ig_id,
            username=USERNAMES.get(ig_id, f"acct{ig_id[-4:]}"),
        )
        self.session.add(account)
        self.session.flush()
        store_token(self.settings, account, minted["access_token"], minted["expires_in"])
        self.session.commit()
        return account

    def media(self, kind: str = "image", *, body: bytes | None = None, size=(1080, 1080)):
        ext, ctype = ("jpg", "image/jpeg") if kind == "image" else ("mp4", "video/mp4")
        body = body if body is not None else (jpeg_bytes(*size) if kind == "image" else mp4_bytes())
        key = new_key(ext)
        path = path_for(self.settings, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        item = MediaItem(
            workspace_id=self.workspace_id,
            kind=kind,
            state="ready",
            original_name=f"file.{ext}",
            content_type=ctype,
            size_bytes=len(body),
            width=size[0],
            height=size[1],
            duration_seconds=10.0 if kind == "video" else None,
            storage_key=key,
            public_token=secrets.token_urlsafe(24),
            progress=100,
            created_by_id=self.user.id,
        )
        self.session.add(item)
        self.session.commit()
        return item

    def create(self, accounts, ptype: str, media, **kw) -> list[Post]:
        from app.services.posts import create_posts

        posts = create_posts(
            self.session,
            self.settings,
            workspace_id=self.workspace_id,
            user=self.user,
            account_ids=[a.id for a in accounts],
            type=ptype,
            media_ids=[m.id for m in media],
            **kw,
        )
        self.session.commit()
        return posts

    def run(self, now: datetime | None = None, rounds: int = 1) -> None:
        """Let the worker process whatever is due at `now` (several passes)."""
        for _ in range(rounds):
            self.publisher.run_once(now=now)

    def fresh(self, post: Post) -> Post:
        self.session.expire_all()
        return self.session.get(Post, post.id)

    def logs(self, post: Post) -> list[PostLog]:
        self.session.expire_all()
        return list(
            self.session.scalars(
                select(PostLog).where(PostLog.post_id == post.id).order_by(PostLog.id)
            )
        )

    def state(self) -> dict:
        return self.stack.admin("GET", "state")

    def fault(self, **spec) -> None:
        self.stack.admin("POST", "faults", spec)

    def advance_sandbox(self, seconds: float) -> None:
        self.stack.admin("POST", "clock", {"advance_seconds": seconds})

    def reconnect(self, account: InstagramAccount) -> None:
        """What a finished OAuth reconnect leaves behind: a new token, the account active."""
        minted = self.stack.admin("POST", "tokens", {"ig_user_id": account.ig_user_id})
        acct = self.session.get(InstagramAccount, account.id)
        store_token(self.settings, acct, minted["access_token"], minted["expires_in"])
        acct.status = "active"
        self.session.commit()


@pytest.fixture
def env(app, ig_stack, session, engine, make_user, tmp_path):
    settings = app.config["SETTINGS"]
    settings.MEDIA_DIR = str(tmp_path / "media")
    if "media" not in app.blueprints:  # until the media library registers its blueprint
        from app.web import media as media_web

        app.register_blueprint(media_web.bp)
    user = make_user(f"owner{secrets.token_hex(2)}")
    yield PublishEnv(app, ig_stack, session, engine, user)
    ig_stack.admin("DELETE", "faults")


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
