"""Users, passwords, sign-in sessions and login throttling."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import bcrypt
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.models import AuthSession, LoginAttempt, Membership, Role, User, Workspace, utcnow
from app.services import audit

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 10
BCRYPT_ROUNDS = 12  # create_app() sets it from the BCRYPT_ROUNDS setting


class UserError(ValueError):
    """A user operation was refused; `code` names the reason for translation."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_password(password: str) -> str:
    """Hash a password with bcrypt (72-byte limit checked by validate_password)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def check_password(user: User, password: str) -> bool:
    """Compare a password with the user's bcrypt hash."""
    encoded = password.encode()
    if len(encoded) > 72:
        return False
    if not user.password_hash:  # signs in only through providers
        bcrypt.checkpw(b"x", _dummy_hash(BCRYPT_ROUNDS))
        return False
    return bcrypt.checkpw(encoded, user.password_hash.encode())


def validate_password(password: str) -> None:
    """Refuse passwords that are too short or too long for bcrypt."""
    if len(password) < MIN_PASSWORD:
        raise UserError("password_too_short")
    if len(password.encode()) > 72:
        raise UserError("password_too_long")


def normalize_username(username: str) -> str:
    """Lower-case and validate a username."""
    name = username.strip().lower()
    if not 3 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise UserError("username_invalid")
    return name


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    display_name: str = "",
    workspace_name: str | None = None,
    timezone: str = "Asia/Almaty",
) -> User:
    """Create a user with their own workspace, where they are the owner."""
    name = normalize_username(username)
    validate_password(password)
    if session.scalar(select(User.id).where(User.username == name)):
        raise UserError("username_taken")
    user = User(
        username=name,
        password_hash=hash_password(password),
        display_name=display_name or name,
        is_admin=is_admin,
    )
    workspace = Workspace(name=workspace_name or name, timezone=timezone)
    session.add_all([user, workspace])
    session.add(Membership(user=user, workspace=workspace, role=Role.OWNER.value))
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, *, keep_sid: str | None = None):
    """Set a new password and end every other sign-in session of the user."""
    validate_password(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    stmt = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep_sid:
        stmt = stmt.where(AuthSession.id != keep_sid)
    session.execute(stmt)


@dataclass
class Throttle:
    """Whether sign-in is refused now, and for how many more seconds."""

    blocked: bool
    retry_after: int = 0


def login_throttle(
    session: Session, username: str, ip: str, *, max_failures: int, window: int, lockout: int
) -> Throttle:
    """Refuse sign-in after `max_failures` failures for the username or IP in `window`."""
    now = utcnow()
    since = now - timedelta(seconds=window)
    for column, value in ((LoginAttempt.username, username), (LoginAttempt.ip, ip)):
        times = session.scalars(
            select(LoginAttempt.created_at)
            .where(column == value, LoginAttempt.success.is_(False))
            .where(LoginAttempt.created_at >= since)
            .order_by(LoginAttempt.created_at.desc())
            .limit(max_failures)
        ).all()
        if len(times) >= max_failures:
            until = times[0] + timedelta(seconds=lockout)
            return Throttle(True, max(1, int((until - now).total_seconds())))
    return Throttle(False)


def authenticate(
    session: Session, username: str, password: str, ip: str, settings
) -> tuple[User | None, Throttle]:
    """Check credentials under throttling; record the attempt and audit it."""
    name = username.strip().lower()[:64]
    throttle = login_throttle(
        session,
        name,
        ip,
        max_failures=settings.LOGIN_MAX_FAILURES,
        window=settings.LOGIN_WINDOW_SECONDS,
        lockout=settings.LOGIN_LOCKOUT_SECONDS,
    )
    if throttle.blocked:
        audit.record(session, "login", username=name, ip=ip, result="throttled")
        return None, throttle
    user = session.scalar(select(User).where(User.username == name))
    ok = user is not None and user.active and check_password(user, password)
    if user is None:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        bcrypt.checkpw(b"x", _dummy_hash(BCRYPT_ROUNDS))
    session.add(LoginAttempt(username=name, ip=ip[:45], success=ok))
    audit.record(
        session,
        "login",
        user=user if ok else None,
        username=name,
        ip=ip,
        result="success" if ok else "failure",
    )
    return (user if ok else None), throttle


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"kezek", bcrypt.gensalt(rounds))


def start_session(session: Session, user: User, ip: str, user_agent: str) -> str:
    """Create a server-side sign-in session and return its id."""
    sid = secrets.token_urlsafe(32)
    session.add(AuthSession(id=sid, user_id=user.id, ip=ip[:45], user_agent=user_agent[:255]))
    user.current_sid = sid
    return sid


def load_session_user(session: Session, sid: str) -> User | None:
    """The active user behind a sign-in session id, or None."""
    row = session.get(AuthSession, sid)
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=5):
        row.last_seen_at = now
    row.user.current_sid = sid
    return row.user


def end_session(session: Session, sid: str | None) -> None:
    """Delete a sign-in session so its cookie no longer works."""
    if sid:
        session.execute(delete(AuthSession).where(AuthSession.id == sid))


def prune_login_attempts(session: Session, older_than: datetime) -> int:
    """Delete login attempts older than a cut-off; return how many."""
    res = session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < older_than))
    return res.rowcount or 0


def list_users(session: Session) -> list[User]:
    """All users by username (operator admins only)."""
    return list(session.scalars(select(User).order_by(User.username)))


def count_admins(session: Session) -> int:
    """How many active admins exist."""
    return session.scalar(
        select(func.count(User.id)).where(User.is_admin.is_(True), User.active.is_(True))
    )


def find_user(session: Session, username_or_id: str | int) -> User | None:
    """Find a user by id or username."""
    return session.scalar(
        select(User).where(or_(User.username == str(username_or_id), User.id == username_or_id))
        if isinstance(username_or_id, int)
        else select(User).where(User.username == str(username_or_id).lower())
    )
