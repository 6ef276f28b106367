"""Helpers of the composer tests: members with roles, the real composer form, page parsing."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from app.models import Post, Role, Workspace
from app.services.workspaces import add_member
from tests.conftest import csrf_from, login


def owner_client(env):
    """A test client signed in as the env's owner."""
    client = env.app.test_client()
    assert login(client, env.user.username).status_code == 302
    return client


def member_client(env, make_user, role: Role):
    """A new user with `role` in the env's workspace, signed in, that workspace selected."""
    user = make_user(f"{role.value}{secrets.token_hex(3)}")
    add_member(env.session, env.session.get(Workspace, env.workspace_id), user, role)
    env.session.commit()
    client = env.app.test_client()
    assert login(client, user.username).status_code == 302
    token = csrf_from(client.get("/").text)
    resp = client.post(
        f"/workspaces/{env.workspace_id}/switch", data={"csrf_token": token, "next": "/"}
    )
    assert resp.status_code == 302
    return client, user


def compose(client, *, accounts, media=(), **fields):
    """Submit the composer form as a browser would (CSRF token from the page)."""
    page = client.get("/publishing/compose")
    assert page.status_code == 200, page.status_code
    data = {
        "csrf_token": csrf_from(page.text),
        "type": "image",
        "when": "schedule",
        "share_to_feed": "y",
        "account_ids": [str(a.id) for a in accounts],
        "media_ids": [str(m.id) for m in media],
        **fields,
    }
    return client.post("/publishing/compose", data=data)


def posts_of(env) -> list[Post]:
    env.session.expire_all()
    return list(env.session.scalars(select(Post).order_by(Post.id)))


def row_ids(html: str, attr: str = "data-post-id") -> list[int]:
    """Post ids listed in a page, in order."""
    return [int(x) for x in re.findall(rf'{attr}="(\d+)"', html)]


def set_timezone(env, tz: str, require_approval: bool | None = None) -> None:
    ws = env.session.get(Workspace, env.workspace_id)
    ws.timezone = tz
    if require_approval is not None:
        ws.require_approval = require_approval
    env.session.commit()
