"""Connecting, syncing, refreshing and disconnecting Instagram accounts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.instagram import ErrorKind, InstagramClient, InstagramError
from app.models import AccountStatus, InstagramAccount, InstagramMedia, utcnow
from app.services import analytics_rollup, audit
from app.services.crypto import TokenCryptoError
from app.services.instagram import WEBHOOK_FIELDS, read_token, store_token
from app.services.notifications import notify
from app.services.outgoing_webhooks import events as webhook_events
from app.services.publisher_pause import pause_account_posts
from app.services.workspaces import scoped

log = logging.getLogger(__name__)

SYNC_MEDIA_LIMIT = 50
REFRESH_MIN_AGE = timedelta(hours=24)
REFRESH_WINDOW = timedelta(days=10)


class AccountError(Exception):
    """Connecting was refused; `code` names the reason for translation."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


def list_accounts(session: Session, workspace_id: int) -> list[InstagramAccount]:
    """The workspace's accounts by username."""
    return list(
        session.scalars(scoped(InstagramAccount, workspace_id).order_by(InstagramAccount.username))
    )


def recent_media(session: Session, account: InstagramAccount, limit: int = 50):
    """The account's newest synced media."""
    return list(
        session.scalars(
            scoped(InstagramMedia, account.workspace_id)
            .where(InstagramMedia.account_id == account.id)
            .order_by(InstagramMedia.posted_at.desc(), InstagramMedia.id.desc())
            .limit(limit)
        )
    )


def connect_account(
    session: Session,
    settings,
    client: InstagramClient,
    *,
    workspace_id: int,
    user,
    code: str,
    redirect_uri: str,
    ip: str = "",
) -> InstagramAccount:
    """Finish OAuth: exchange the code, get a long-lived token, read /me, store the account."""
    short = client.exchange_code(code, redirect_uri=redirect_uri)
    long = client.exchange_long_lived(short.access_token)
    profile = client.get_profile(long.access_token)
    account = session.scalar(
        select(InstagramAccount).where(InstagramAccount.ig_user_id == profile.user_id)
    )
    if account is not None and account.workspace_id != workspace_id:
        raise AccountError("other_workspace", profile.username)
    if account is None:
        account = InstagramAccount(
            workspace_id=workspace_id, ig_user_id=profile.user_id, username=profile.username
        )
        session.add(account)
    _apply_profile(account, profile)
    account.status = AccountStatus.ACTIVE.value
    account.permissions = ",".join(short.permissions or long.permissions)
    account.refresh_failures = 0
    account.next_refresh_attempt_at = None
    account.last_error = None
    account.connected_by_id = getattr(user, "id", None)
    session.flush()
    store_token(settings, account, long.access_token, long.expires_in)
    audit.record(
        session,
        "account_connect",
        user=user,
        workspace_id=workspace_id,
        ip=ip,
        detail={"username": account.username, "ig_user_id": account.ig_user_id},
    )
    subscribe(session, client, account, long.access_token)
    try:
        sync_media(session, client, account, long.access_token)
    except InstagramError as e:
        # The account is connected; the scheduler's sync fills the gap later.
        account.last_error = e.message_key
        account.sync_requested_at = utcnow()
    return account


def _apply_profile(account: InstagramAccount, profile) -> None:
    account.username = profile.username
    account.app_scoped_id = profile.id
    account.name = profile.name
    account.account_type = profile.account_type
    account.profile_picture_url = profile.profile_picture_url
    account.biography = profile.biography
    account.followers_count = profile.followers_count
    account.follows_count = profile.follows_count
    account.media_count = profile.media_count


def subscribe(session: Session, client: InstagramClient, account: InstagramAccount, token: str):
    """Subscribe the account to the webhook fields Kezek handles."""
    try:
        client.subscribe_webhooks(token, fields=WEBHOOK_FIELDS, ig_user_id="me")
    except InstagramError as e:
        account.webhook_subscribed = False
        account.last_error = e.message_key
        log.warning("webhook subscription failed", extra={"account": account.id, "err": repr(e)})
        return
    account.webhook_subscribed = True
    account.webhook_fields = ",".join(WEBHOOK_FIELDS)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


def sync_media(
    session: Session, client: InstagramClient, account: InstagramAccount, token: str
) -> int:
    """Refresh the profile and the ~50 newest media; return how many media were stored."""
    _apply_profile(account, client.get_profile(token))
    existing = {
        m.ig_media_id: m
        for m in session.scalars(
            select(InstagramMedia).where(InstagramMedia.account_id == account.id)
        )
    }
    now = utcnow()
    count = 0
    for item in client.iter_media(token, limit=25):
        row = existing.get(str(item["id"]))
        if row is None:
            row = InstagramMedia(
                workspace_id=account.workspace_id,
                account_id=account.id,
                ig_media_id=str(item["id"]),
            )
            session.add(row)
            existing[row.ig_media_id] = row
        row.caption = item.get("caption")
        row.media_type = item.get("media_type")
        row.media_product_type = item.get("media_product_type")
        row.media_url = item.get("media_url")
        row.thumbnail_url = item.get("thumbnail_url")
        row.permalink = item.get("permalink")
        row.posted_at = _parse_time(item.get("timestamp"))
        row.like_count = item.get("like_count")
        row.comments_count = item.get("comments_count")
        row.synced_at = now
        count += 1
        if count >= SYNC_MEDIA_LIMIT:
            break
    account.last_sync_at = now
    account.sync_requested_at = None
    session.flush()
    return count


def request_sync(session: Session, account: InstagramAccount) -> None:
    """Ask the worker to sync the account soon."""
    account.sync_requested_at = utcnow()


def disconnect_account(session: Session, account: InstagramAccount, *, user=None, ip="") -> None:
    """Delete the account, its token and every piece of its cached data."""
    audit.record(
        session,
        "account_disconnect",
        user=user,
        workspace_id=account.workspace_id,
        ip=ip,
        detail={"username": account.username, "ig_user_id": account.ig_user_id},
    )
    session.execute(delete(InstagramMedia).where(InstagramMedia.account_id == account.id))
    workspace_id = account.workspace_id
    session.delete(account)
    session.flush()
    # Its follower snapshots went with it (cascade): the workspace totals must drop them too.
    analytics_rollup.rebuild(session, workspace_id)


def mark_token_dead(session: Session, account: InstagramAccount, reason: str) -> None:
    """The token no longer works: the owner must reconnect; tell the workspace once."""
    already = account.needs_reconnect
    account.status = AccountStatus.RECONNECT.value
    account.last_error = reason[:512]
    account.next_refresh_attempt_at = None
    # Its posts wait for the reconnect (no Graph call for them until then).
    pause_account_posts(session, account.id, utcnow())
    if not already:
        notify(
            session,
            account.workspace_id,
            "token_dead",
            {"username": account.username},
            link="/accounts/",
        )
        webhook_events.reconnect_needed(session, account, reason[:64])


def handle_error(session: Session, account: InstagramAccount, error: InstagramError) -> None:
    """What a Graph error means for the account (dead token -> reconnect needed)."""
    if error.kind is ErrorKind.TOKEN_DEAD:
        mark_token_dead(session, account, error.message_key)
    else:
        account.last_error = error.message_key


def refresh_due_tokens(session: Session, settings, client: InstagramClient, now=None) -> dict:
    """Refresh tokens older than 24 h and within 10 days of expiry; count the outcomes."""
    now = now or utcnow()
    stmt = select(InstagramAccount).where(
        InstagramAccount.status == AccountStatus.ACTIVE.value,
        InstagramAccount.token_ciphertext.is_not(None),
        InstagramAccount.token_issued_at <= now - REFRESH_MIN_AGE,
        InstagramAccount.token_expires_at <= now + REFRESH_WINDOW,
        or_(
            InstagramAccount.next_refresh_attempt_at.is_(None),
            InstagramAccount.next_refresh_attempt_at <= now,
        ),
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    counts = {"refreshed": 0, "failed": 0, "dead": 0}
    for account in session.scalars(stmt).all():
        counts[refresh_account_token(session, settings, client, account, now)] += 1
    return counts


def refresh_account_token(session, settings, client, account, now) -> str:
    """Refresh one token; on failure record it and retry later with back-off."""
    try:
        token = read_token(settings, account)
    except TokenCryptoError:
        mark_token_dead(session, account, "token_unreadable")
        return "dead"
    expired = account.token_expires_at is not None and account.token_expires_at <= now
    try:
        if expired:
            raise InstagramError(
                "token expired", kind=ErrorKind.TOKEN_DEAD, message_key="token_expired"
            )
        result = client.refresh_token(token)
    except InstagramError as e:
        if e.kind is ErrorKind.TOKEN_DEAD:
            mark_token_dead(session, account, e.message_key)
            return "dead"
        account.refresh_failures += 1
        account.last_error = e.message_key
        backoff = min(2**account.refresh_failures * 300, 6 * 3600)
        account.next_refresh_attempt_at = now + timedelta(seconds=backoff)
        if account.refresh_failures == 3:
            notify(
                session,
                account.workspace_id,
                "token_refresh_failed",
                {"username": account.username},
                link="/accounts/",
            )
        log.warning("token refresh failed", extra={"account": account.id, "err": repr(e)})
        return "failed"
    store_token(settings, account, result.access_token, result.expires_in)
    account.refresh_failures = 0
    account.next_refresh_attempt_at = None
    account.last_error = None
    return "refreshed"


def sync_requested(session: Session, settings, client: InstagramClient, limit: int = 5) -> int:
    """Sync accounts whose sync was requested (after connecting, or by a user)."""
    stmt = (
        select(InstagramAccount)
        .where(
            InstagramAccount.sync_requested_at <= utcnow(),
            InstagramAccount.status == AccountStatus.ACTIVE.value,
        )
        .order_by(InstagramAccount.sync_requested_at)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    done = 0
    for account in session.scalars(stmt).all():
        try:
            sync_media(session, client, account, read_token(settings, account))
            done += 1
        except TokenCryptoError:
            mark_token_dead(session, account, "token_unreadable")
        except InstagramError as e:
            handle_error(session, account, e)
            if e.kind is not ErrorKind.TOKEN_DEAD:
                account.sync_requested_at = utcnow() + timedelta(minutes=5)
    return done
