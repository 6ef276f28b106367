"""API fixtures: users with tokens, and a small client helper that sends the bearer header."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Role, utcnow
from app.services.api_tokens import create_token
from app.services.workspaces import add_member, create_workspace


class Api:
    """The test client with a bearer token (and optionally a workspace header)."""

    def __init__(self, client, token: str | None, workspace_id: int | None = None):
        self.client, self.token, self.workspace_id = client, token, workspace_id

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.workspace_id is not None:
            headers["X-Kezek-Workspace"] = str(self.workspace_id)
        return {**headers, **(extra or {})}

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "patch", "delete"):
            raise AttributeError(method)

        def call(path, headers=None, **kwargs):
            return getattr(self.client, method)(
                "/api/v1" + path, headers=self.headers(headers), **kwargs
            )

        return call


@pytest.fixture
def make_token(session):
    """Factory: a plain token for a user (read-write unless asked)."""

    def factory(user, *, read_only=False, expires_in: timedelta | None = None, name="test"):
        expires_at = utcnow() + expires_in if expires_in else None
        _row, raw = create_token(session, user, name, read_only=read_only, expires_at=expires_at)
        session.commit()
        return raw

    return factory


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def api(client, alice, make_token):
    """Alice's read-write API client, acting in her own workspace."""
    return Api(client, make_token(alice))


@pytest.fixture
def other_workspace(session, make_user):
    """Bob's workspace, where Alice is not a member; with Bob returned too."""
    bob = make_user("bob")
    return bob, bob.memberships[0].workspace


@pytest.fixture
def shared_workspace(session, make_user, alice):
    """A workspace owned by Carol where Alice is a member with the role asked for."""

    def factory(role: Role, name: str = "Shared"):
        carol = make_user()
        ws = create_workspace(session, carol, name, "Asia/Almaty")
        add_member(session, ws, alice, role)
        session.commit()
        return ws

    return factory


@pytest.fixture
def make_account(session):
    """Factory: a connected Instagram account row (with one cached media) in a workspace."""
    from app.models import InstagramAccount, InstagramMedia

    counter = iter(range(1, 10_000))

    def factory(workspace_id: int, username: str = "cafe.salem"):
        n = next(counter)
        account = InstagramAccount(
            workspace_id=workspace_id,
            ig_user_id=f"178414000{workspace_id:04d}{n:04d}",
            username=username,
            name="Cafe",
            account_type="BUSINESS",
            followers_count=120,
        )
        session.add(account)
        session.flush()
        session.add(
            InstagramMedia(workspace_id=workspace_id, account_id=account.id, ig_media_id=f"m{n}")
        )
        session.commit()
        return account

    return factory
