"""Sign-in identities: Telegram data checks, finding, linking and unlinking identities."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Identity, User, utcnow
from app.services import audit

PROVIDERS = ("telegram", "google", "yandex")
PROVIDER_NAMES = {"telegram": "Telegram", "google": "Google", "yandex": "Yandex"}
TELEGRAM_MAX_AGE = 24 * 60 * 60


class IdentityError(ValueError):
    """A sign-in, link or unlink was refused; `code` names the reason for translation."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Profile:
    """What a provider told us about a person: the stable id, and name and e-mail if given."""

    provider: str
    provider_user_id: str
    display_name: str = ""
    email: str = ""
    # The provider's login name: only a hint for a new user's username, never stored.
    login: str = ""


def enabled_providers(settings) -> list[str]:
    """The providers the operator configured, in display order."""
    enabled = {
        "telegram": settings.TELEGRAM_LOGIN_BOT_TOKEN and settings.TELEGRAM_LOGIN_BOT_NAME,
        "google": settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET,
        "yandex": settings.YANDEX_CLIENT_ID and settings.YANDEX_CLIENT_SECRET,
    }
    return [p for p in PROVIDERS if enabled[p]]


def verify_telegram(data: dict[str, str], bot_token: str, now: float | None = None) -> Profile:
    """Check the Login Widget's data: HMAC-SHA256 keyed by SHA-256(bot token), fresh auth_date."""
    received = data.get("hash", "")
    # Every field Telegram sent is signed (new ones may appear), so all but `hash` are checked.
    fields = {k: v for k, v in data.items() if k != "hash"}
    if not received or "id" not in fields or "auth_date" not in fields:
        raise IdentityError("telegram_invalid")
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hashlib.sha256(bot_token.encode()).digest()
    expected = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        raise IdentityError("telegram_invalid")
    try:
        auth_date = int(fields["auth_date"])
    except ValueError:
        raise IdentityError("telegram_invalid") from None
    now = time.time() if now is None else now
    if now - auth_date > TELEGRAM_MAX_AGE or auth_date - now > 300:
        raise IdentityError("telegram_stale")
    name = " ".join(x for x in (fields.get("first_name"), fields.get("last_name")) if x)
    if not name and fields.get("username"):
        name = "@" + fields["username"]
    return Profile(
        "telegram", fields["id"], display_name=name[:120], login=fields.get("username", "")
    )


def find_identity(session: Session, profile: Profile) -> Identity | None:
    """The identity row for a provider account, or None."""
    return session.scalar(
        select(Identity).where(
            Identity.provider == profile.provider,
            Identity.provider_user_id == profile.provider_user_id,
        )
    )


def list_identities(session: Session, user: User) -> list[Identity]:
    """A user's identities, by provider."""
    return list(
        session.scalars(
            select(Identity).where(Identity.user_id == user.id).order_by(Identity.provider)
        )
    )


def page_of_identities(
    session: Session, user: User, *, after_id: int | None, limit: int
) -> list[Identity]:
    """A user's identities by id, after a cursor (for the API's paging)."""
    stmt = select(Identity).where(Identity.user_id == user.id)
    if after_id is not None:
        stmt = stmt.where(Identity.id > after_id)
    return list(session.scalars(stmt.order_by(Identity.id).limit(limit)))


def _refresh(identity: Identity, profile: Profile) -> None:
    identity.display_name = profile.display_name[:120]
    identity.email = profile.email[:254]
    identity.last_used_at = utcnow()


def sign_in(session: Session, profile: Profile, ip: str) -> User:
    """The active user linked to this provider account; audited either way."""
    identity = find_identity(session, profile)
    detail = {"method": profile.provider}
    if identity is None or not identity.user.active:
        audit.record(session, "login", username="", ip=ip, result="failure", detail=detail)
        raise IdentityError("identity_unknown" if identity is None else "user_disabled")
    _refresh(identity, profile)
    audit.record(session, "login", user=identity.user, ip=ip, result="success", detail=detail)
    return identity.user


def add_identity(session: Session, user: User, profile: Profile) -> Identity:
    """Create the identity row for a user (no checks, no audit: callers do both)."""
    identity = Identity(
        user_id=user.id,
        provider=profile.provider,
        provider_user_id=profile.provider_user_id[:128],
        display_name=profile.display_name[:120],
        email=profile.email[:254],
        last_used_at=utcnow(),
    )
    session.add(identity)
    session.flush()
    return identity


def link(session: Session, user: User, profile: Profile, ip: str) -> Identity:
    """Link a provider account to the user; refused when it belongs to someone else."""
    detail = {"method": profile.provider}
    identity = find_identity(session, profile)
    if identity is not None and identity.user_id != user.id:
        audit.record(session, "identity_link", user=user, ip=ip, result="refused", detail=detail)
        raise IdentityError("identity_taken")
    if identity is None:
        identity = add_identity(session, user, profile)
    else:
        _refresh(identity, profile)
    audit.record(session, "identity_link", user=user, ip=ip, detail=detail)
    return identity


def sign_in_methods(session: Session, user: User) -> int:
    """How many ways the user has to sign in: identities, plus one for a password."""
    count = session.scalar(select(func.count(Identity.id)).where(Identity.user_id == user.id))
    return count + (1 if user.has_password else 0)


def unlink(session: Session, user: User, identity_id: int, ip: str, via: str = "") -> Identity:
    """Remove one of the user's identities, keeping at least one way to sign in."""
    identity = session.scalar(
        select(Identity).where(Identity.id == identity_id, Identity.user_id == user.id)
    )
    if identity is None:
        raise IdentityError("identity_not_found")
    detail = {"method": identity.provider, **({"via": via} if via else {})}
    if sign_in_methods(session, user) <= 1:
        audit.record(session, "identity_unlink", user=user, ip=ip, result="refused", detail=detail)
        raise IdentityError("last_method")
    session.delete(identity)
    session.flush()
    audit.record(session, "identity_unlink", user=user, ip=ip, detail=detail)
    return identity
