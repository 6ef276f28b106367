"""/api/v1/accounts: connected Instagram accounts (list, get, disconnect, sync now)."""

from __future__ import annotations

from flask import g, request
from pydantic import Field

from app.extensions import db
from app.models import AccountStatus, InstagramAccount, Role
from app.services.accounts import disconnect_account, list_accounts, request_sync
from app.services.workspaces import get_scoped
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.schemas import (
    ListQuery,
    Schema,
    Timestamp,
    decode_cursor,
    page_of,
    parse_id,
)
from app.web.api.spec import endpoint


class AccountOut(Schema):
    id: str
    ig_user_id: str = Field(description="The Instagram user id (IG_ID).")
    username: str
    name: str | None
    account_type: str | None = Field(description="`BUSINESS` or `MEDIA_CREATOR`.")
    profile_picture_url: str | None
    followers_count: int | None
    follows_count: int | None
    media_count: int | None
    status: AccountStatus = Field(description="`reconnect_needed`: the owner must reconnect.")
    token_expires_at: Timestamp | None
    last_sync_at: Timestamp | None
    sync_requested_at: Timestamp | None = Field(description="Set while a sync is pending.")
    connected_at: Timestamp


class AccountPage(Schema):
    items: list[AccountOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


def account_out(a: InstagramAccount) -> AccountOut:
    """The API view of an account (never its token)."""
    return AccountOut(
        id=str(a.id),
        ig_user_id=a.ig_user_id,
        username=a.username,
        name=a.name,
        account_type=a.account_type,
        profile_picture_url=a.profile_picture_url,
        followers_count=a.followers_count,
        follows_count=a.follows_count,
        media_count=a.media_count,
        status=AccountStatus(a.status),
        token_expires_at=a.token_expires_at,
        last_sync_at=a.last_sync_at,
        sync_requested_at=a.sync_requested_at,
        connected_at=a.created_at,
    )


def _account_or_404(account_id: str) -> InstagramAccount:
    key = parse_id(account_id)
    account = get_scoped(db.session, InstagramAccount, key, g.workspace.id) if key else None
    if account is None:
        raise ApiError(404)
    return account


@bp.get("/accounts")
@endpoint(resp=AccountPage, query=ListQuery, tags=("accounts",))
def list_instagram_accounts(query: ListQuery):
    """The workspace's connected Instagram accounts, by id."""
    after = decode_cursor(query.next)
    rows = sorted(list_accounts(db.session, g.workspace.id), key=lambda a: a.id)
    if after is not None:
        rows = [a for a in rows if a.id > after]
    page, nxt = page_of(rows[: query.limit + 1], query.limit)
    return AccountPage(items=[account_out(a) for a in page], next=nxt)


@bp.get("/accounts/<account_id>")
@endpoint(resp=AccountOut, tags=("accounts",))
def get_instagram_account(account_id: str):
    """One connected account."""
    return account_out(_account_or_404(account_id))


@bp.delete("/accounts/<account_id>")
@endpoint(status=204, role=Role.OWNER, tags=("accounts",))
def disconnect_instagram_account(account_id: str):
    """Disconnect an account and delete its token and all its cached data (owners only)."""
    account = _account_or_404(account_id)
    disconnect_account(db.session, account, user=g.api_user, ip=request.remote_addr or "")
    db.session.commit()
    return "", 204


@bp.post("/accounts/<account_id>/sync")
@endpoint(status=202, resp=AccountOut, role=Role.EDITOR, tags=("accounts",))
def sync_instagram_account(account_id: str):
    """Ask the worker to sync the account now (editors and owners)."""
    account = _account_or_404(account_id)
    request_sync(db.session, account)
    db.session.commit()
    return account_out(account), 202
