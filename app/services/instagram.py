"""Building the Graph API client from settings, and reading or storing account tokens."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from app.instagram import InstagramClient, UsageInfo
from app.models import InstagramAccount, utcnow
from app.services import crypto

log = logging.getLogger(__name__)

TOKEN_PURPOSE = "instagram_account"
# Fields available with Instagram Login (reference §8.2) that Kezek handles.
WEBHOOK_FIELDS = (
    "comments",
    "live_comments",
    "mentions",
    "messages",
    "message_echoes",
    "message_reactions",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
)


def make_client(settings, on_usage=None) -> InstagramClient:
    """An InstagramClient configured from Settings."""
    return InstagramClient(
        graph_url=settings.INSTAGRAM_GRAPH_URL,
        api_url=settings.INSTAGRAM_API_URL,
        authorize_url=settings.INSTAGRAM_AUTHORIZE_URL,
        app_id=settings.INSTAGRAM_APP_ID,
        app_secret=settings.INSTAGRAM_APP_SECRET,
        api_version=settings.INSTAGRAM_API_VERSION,
        timeout=(5, settings.INSTAGRAM_TIMEOUT_SECONDS),
        on_usage=on_usage,
    )


def usage_recorder(session: Session):
    """An on_usage callback that stores the usage headers on the account they concern."""

    def record(ig_user_id: str | None, usage: UsageInfo) -> None:
        from sqlalchemy import select

        # Calls on `me` name no account: X-Business-Use-Case-Usage is keyed by the IG_ID
        # it concerns (reference §10.1), on successful and throttled answers alike.
        ids = [ig_user_id] if ig_user_id else sorted({b.business_id for b in usage.business})
        if not ids:
            return
        accounts = session.scalars(
            select(InstagramAccount).where(InstagramAccount.ig_user_id.in_(ids))
        )
        for account in accounts:
            if not ig_user_id:
                own = tuple(b for b in usage.business if b.business_id == account.ig_user_id)
                usage_of = UsageInfo(app=usage.app, business=own)
            else:
                usage_of = usage
            record_usage(account, usage_of)

    return record


def record_usage(account: InstagramAccount, usage: UsageInfo) -> None:
    """Keep the newest usage figures on the account (the scheduler slows down above 75%)."""
    account.usage_percent = int(usage.max_percent)
    account.usage = {
        "max_percent": usage.max_percent,
        "regain_access_seconds": usage.regain_access_seconds,
        "at": utcnow().isoformat(),
    }


def store_token(settings, account: InstagramAccount, token: str, expires_in: int | None) -> None:
    """Encrypt and keep a long-lived token with its issue and expiry times."""
    if account.id is None:
        raise ValueError("flush the account before storing its token")
    now = utcnow()
    account.token_ciphertext = crypto.encrypt(
        settings.token_keys, token, purpose=TOKEN_PURPOSE, row_id=account.id
    )
    account.token_issued_at = now
    account.token_expires_at = now + timedelta(seconds=expires_in or 60 * 24 * 3600)


def read_token(settings, account: InstagramAccount) -> str:
    """Decrypt the account's token (raises TokenCryptoError when it cannot)."""
    if not account.token_ciphertext:
        raise crypto.TokenCryptoError("account has no token")
    return crypto.decrypt(
        settings.token_keys, account.token_ciphertext, purpose=TOKEN_PURPOSE, row_id=account.id
    )


def rotate_tokens(session: Session, settings) -> int:
    """Re-encrypt every stored token under the newest key; return how many changed."""
    from sqlalchemy import select

    newest = settings.token_keys[0][0]
    changed = 0
    for account in session.scalars(
        select(InstagramAccount).where(InstagramAccount.token_ciphertext.is_not(None))
    ):
        if crypto.key_id_of(account.token_ciphertext) == newest:
            continue
        plain = read_token(settings, account)
        account.token_ciphertext = crypto.encrypt(
            settings.token_keys, plain, purpose=TOKEN_PURPOSE, row_id=account.id
        )
        changed += 1
    return changed
