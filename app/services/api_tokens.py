"""Personal API tokens: create (shown once), hash, authenticate, revoke, rate-limit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import ApiToken, User, utcnow
from app.services import audit

# Recognisable in logs and secret scanners; never Meta's IGAA/EAA prefixes.
TOKEN_PREFIX = "kzk_"
NAME_MAX = 120
# last_used_at is written at most this often, to keep writes off the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token operation was refused; `code` names the reason for translation."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_token(raw: str) -> str:
    """SHA-256 hex of a token: tokens are 256-bit random, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    name: str,
    *,
    read_only: bool = False,
    expires_at: datetime | None = None,
    actor: User | None = None,
    via: str = "web",
    ip: str = "",
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return the row and the plain token (never stored)."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise TokenError("token_name_invalid")
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError("token_expiry_past")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        read_only=read_only,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "api_token_create",
        user=actor or user,
        username=None if actor or via == "web" else "cli",
        ip=ip,
        detail={
            "token_id": token.id,
            "name": name,
            "owner": user.username,
            "read_only": read_only,
            "via": via,
        },
    )
    return token, raw


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def get_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """One of the user's tokens by id, or None."""
    return session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def revoke_token(session: Session, token: ApiToken, *, actor: User, ip: str = "") -> None:
    """Revoke a token for good (idempotent) and audit it."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(
        session,
        "api_token_revoke",
        user=actor,
        ip=ip,
        detail={"token_id": token.id, "name": token.name},
    )


@dataclass
class TokenCheck:
    """The outcome of checking a bearer token: the token, or why it was refused."""

    token: ApiToken | None
    problem: str = ""  # "", "invalid", "expired", "revoked"


def check_token(session: Session, raw: str) -> TokenCheck:
    """Find the active token for a presented bearer value."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return TokenCheck(None, "invalid")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not token.user.active:
        return TokenCheck(None, "invalid")
    state = token.state(utcnow())
    if state != "active":
        return TokenCheck(token, state)
    return TokenCheck(token)


def touch(token: ApiToken, ip: str, now: datetime | None = None) -> None:
    """Remember when and from where the token was last used."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        token.last_used_ip = ip[:45]


def rate_limit(
    session: Session, token: ApiToken, per_minute: int, now: datetime | None = None
) -> int:
    """Count one request in the token's fixed one-minute window.

    Returns 0 when allowed, else the seconds until the window ends. The counter lives in
    the token row and is changed with single UPDATE statements, so it holds across
    processes.
    """
    now = now or utcnow()
    window = int(now.timestamp()) // 60
    # A new window resets the count; otherwise count one more. Each UPDATE is atomic.
    started = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.rate_window != window)
        .values(rate_window=window, rate_count=1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not started:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id, ApiToken.rate_window == window)
            .values(rate_count=ApiToken.rate_count + 1)
            .execution_options(synchronize_session=False)
        )
    count = session.scalar(select(ApiToken.rate_count).where(ApiToken.id == token.id))
    if count is not None and count > per_minute:
        return max(1, (window + 1) * 60 - int(now.timestamp()))
    return 0
