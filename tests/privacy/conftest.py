"""Privacy fixtures: a media directory per test, signed requests, the generic table filler."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    insert,
)

from app.models import Base, InstagramAccount, Role, utcnow
from app.models.base import UTCDateTime
from app.services.media_store import new_key
from app.services.signed_request import make_signed_request
from app.services.workspaces import add_member
from tests.conftest import IG_APP_SECRET

# Made by the setup itself, not by the filler.
SET_UP = {"user", "workspace", "membership", "instagram_account"}


@pytest.fixture
def media_dir(app, tmp_path):
    """The app's MEDIA_DIR, in the test's own temporary directory."""
    path = tmp_path / "media"
    path.mkdir()
    app.config["SETTINGS"].MEDIA_DIR = str(path)
    return path


@pytest.fixture
def sign(app):
    """Sign a payload as Meta does, with the app's Instagram secret by default."""
    secret = app.config["SETTINGS"].INSTAGRAM_APP_SECRET

    def make(user_id, *, secret=secret, issued_at=None, algorithm="HMAC-SHA256", **extra):
        payload = {
            "algorithm": algorithm,
            "issued_at": int(issued_at or time.time()),
            "expires": int(time.time()) + 3600,
            "user_id": str(user_id),
            **extra,
        }
        return make_signed_request(payload, secret)

    return make


@pytest.fixture
def ig_secret_app(app):
    app.config["SETTINGS"].INSTAGRAM_APP_SECRET = IG_APP_SECRET
    return app


@dataclass
class Ctx:
    """The rows one 'person' owns: a user, a workspace, an Instagram account."""

    user_id: int
    username: str
    workspace_id: int
    account_id: int
    ig_user_id: str
    app_scoped_id: str
    account_username: str
    files: list = field(default_factory=list)
    made: dict = field(default_factory=dict)


def make_account(session, workspace_id: int, prefix: str) -> InstagramAccount:
    n = secrets.randbelow(10**8)
    account = InstagramAccount(
        workspace_id=workspace_id,
        ig_user_id=f"178414{n:08d}{secrets.randbelow(100):02d}",
        app_scoped_id=f"266{n:08d}",
        username=f"{prefix}.{secrets.token_hex(3)}",
        token_ciphertext="v1:not-a-real-token",
        status="active",
    )
    session.add(account)
    session.flush()
    return account


def make_ctx(session, user, account) -> Ctx:
    ws_id = user.memberships[0].workspace_id
    return Ctx(
        user.id,
        user.username,
        ws_id,
        account.id,
        account.ig_user_id,
        account.app_scoped_id,
        account.username,
    )


def _value(table, col, ctx: Ctx, media_root):
    name = col.name
    refers_account = any(fk.column.table.name == "instagram_account" for fk in table.foreign_keys)
    if name == "username":
        return ctx.account_username if refers_account else ctx.username
    if name in ("ig_user_id", "app_scoped_id"):
        return getattr(ctx, name)
    if name in ("storage_key", "source_key"):
        key = new_key("jpg")
        path = media_root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8\xff" + secrets.token_bytes(16))
        ctx.files.append(path)
        return key
    if table.name == "webhook_event" and name == "body":
        return json.dumps({"object": "instagram", "entry": [{"id": ctx.ig_user_id, "time": 1}]})
    if table.name == "audit_log" and name == "detail":
        return {"username": ctx.account_username, "ig_user_id": ctx.ig_user_id}
    t = col.type
    if isinstance(t, UTCDateTime | DateTime):
        return utcnow()
    if isinstance(t, Date):
        return date.today()
    if isinstance(t, Boolean):
        return False
    if isinstance(t, BigInteger | Integer):
        return 1
    if isinstance(t, Float):
        return 0.5
    if isinstance(t, JSON):
        return {"k": "v"}
    if isinstance(t, String) and t.length:
        return secrets.token_hex(16)[: min(t.length, 32)]
    if isinstance(t, Text | String):
        return "text " + secrets.token_hex(4)
    raise AssertionError(f"no filler for {table.name}.{name} ({t!r}): add one to the factory")


def fill_every_table(session, ctx: Ctx, media_root) -> None:
    """One row in every table of the metadata, pointing at ctx's user/workspace/account.

    Walks Base.metadata, so tables added later are filled too; a table it cannot fill
    fails here with its name.
    """
    parents = {
        "user": ctx.user_id,
        "workspace": ctx.workspace_id,
        "instagram_account": ctx.account_id,
    }
    for table in Base.metadata.sorted_tables:
        if table.name in SET_UP:
            continue
        values = {}
        for col in table.columns:
            if col.primary_key and isinstance(col.type, Integer) and not col.foreign_keys:
                continue
            if col.foreign_keys:
                target = next(iter(col.foreign_keys)).column.table.name
                value = parents.get(target, ctx.made.get(target))
                if value is None and not col.nullable:
                    raise AssertionError(f"cannot fill {table.name}.{col.name}: no {target} row")
                values[col.name] = value
                continue
            values[col.name] = _value(table, col, ctx, media_root)
        try:
            result = session.execute(insert(table).values(values))
        except Exception as e:  # pragma: no cover - the message is the point
            raise AssertionError(f"the generic factory cannot fill table {table.name}: {e}") from e
        if result.inserted_primary_key and result.inserted_primary_key[0] is not None:
            ctx.made[table.name] = result.inserted_primary_key[0]
    session.flush()


def add_membership(session, workspace, user, role=Role.EDITOR):
    return add_member(session, workspace, user, role)
