"""Invitations to a workspace: create, list, revoke, and accept (new or existing users)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Invitation, Membership, Role, User, Workspace, utcnow
from app.services import audit
from app.services.identities import IdentityError, Profile, add_identity, find_identity
from app.services.users import (
    USERNAME_CHARS,
    UserError,
    hash_password,
    normalize_username,
    validate_password,
)

INVITATION_DAYS = 7
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvitationError(ValueError):
    """An invitation was refused; `code` names the reason for translation."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_token(token: str) -> str:
    """The stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    session: Session,
    workspace_id: int,
    role: str,
    email: str,
    inviter: User,
    ip: str,
    via: str = "",
) -> tuple[Invitation, str]:
    """Create an invitation; return it and its token (shown once, never stored)."""
    if role not in {r.value for r in Role}:
        raise InvitationError("role_invalid")
    email = (email or "").strip()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise InvitationError("email_invalid")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    inv = Invitation(
        workspace_id=workspace_id,
        role=role,
        email=email,
        token_hash=hash_token(token),
        invited_by=inviter.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(inv)
    session.flush()
    audit.record(
        session,
        "invitation_create",
        user=inviter,
        workspace_id=workspace_id,
        ip=ip,
        detail=_detail({"invitation": inv.id, "role": role}, via),
    )
    return inv, token


def _detail(detail: dict, via: str) -> dict:
    """Audit detail, marking actions made through the API (`via="api"`)."""
    return {**detail, "via": via} if via else detail


def pending(session: Session, workspace_id: int, now: datetime | None = None) -> list[Invitation]:
    """The workspace's invitations not yet accepted nor expired, newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.workspace_id == workspace_id, Invitation.accepted_at.is_(None))
            .where(Invitation.expires_at > now)
            .order_by(Invitation.id.desc())
        )
    )


def page(
    session: Session, workspace_id: int, *, before_id: int | None, limit: int
) -> list[Invitation]:
    """All of the workspace's invitations (pending, accepted, expired), newest first."""
    stmt = select(Invitation).where(Invitation.workspace_id == workspace_id)
    if before_id is not None:
        stmt = stmt.where(Invitation.id < before_id)
    return list(session.scalars(stmt.order_by(Invitation.id.desc()).limit(limit)))


def revoke(session: Session, inv: Invitation, actor: User, ip: str, via: str = "") -> None:
    """Delete an invitation so its link no longer works."""
    audit.record(
        session,
        "invitation_revoke",
        user=actor,
        workspace_id=inv.workspace_id,
        ip=ip,
        detail=_detail({"invitation": inv.id}, via),
    )
    session.delete(inv)
    session.flush()


def lookup(session: Session, token: str) -> Invitation:
    """The invitation behind a token, if it can still be accepted."""
    inv = session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if inv is None:
        raise InvitationError("invitation_invalid")
    if inv.accepted_at is not None:
        raise InvitationError("invitation_used")
    if inv.expires_at <= utcnow():
        raise InvitationError("invitation_expired")
    return inv


def _claim(session: Session, inv: Invitation) -> None:
    """Mark the invitation used, atomically: of two concurrent acceptances one wins."""
    now = utcnow()
    res = session.execute(
        update(Invitation)
        .where(Invitation.id == inv.id, Invitation.accepted_at.is_(None))
        .where(Invitation.expires_at > now)
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        raise InvitationError("invitation_used")
    inv.accepted_at = now


def _join(session: Session, inv: Invitation, user: User, ip: str, method: str) -> None:
    """Add the user to the invitation's workspace and audit the acceptance."""
    inv.accepted_by = user.id
    member = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == inv.workspace_id
        )
    )
    if member is None:
        session.add(Membership(user_id=user.id, workspace_id=inv.workspace_id, role=inv.role))
    elif Role(inv.role).rank > Role(member.role).rank:
        member.role = inv.role
    session.flush()
    audit.record(
        session,
        "invitation_accept",
        user=user,
        workspace_id=inv.workspace_id,
        ip=ip,
        detail={"invitation": inv.id, "role": inv.role, "method": method},
    )


def accept_as(session: Session, inv: Invitation, user: User, ip: str) -> None:
    """A signed-in user accepts: they join the workspace."""
    _claim(session, inv)
    _join(session, inv, user, ip, "session")


def accept_with_password(
    session: Session, inv: Invitation, username: str, password: str, ip: str
) -> User:
    """Create a user with the chosen username and password, and join the workspace."""
    name = normalize_username(username)
    validate_password(password)
    if session.scalar(select(User.id).where(User.username == name)):
        raise UserError("username_taken")
    _claim(session, inv)
    user = User(username=name, password_hash=hash_password(password), display_name=name)
    session.add(user)
    session.flush()
    _join(session, inv, user, ip, "password")
    return user


def accept_with_profile(session: Session, inv: Invitation, profile: Profile, ip: str) -> User:
    """Join with a provider account: its linked user, or a new user without a password."""
    identity = find_identity(session, profile)
    if identity is not None and not identity.user.active:
        raise IdentityError("user_disabled")
    _claim(session, inv)
    if identity is not None:
        user = identity.user
    else:
        user = User(
            username=_free_username(session, profile),
            password_hash=None,
            display_name=profile.display_name[:120],
        )
        session.add(user)
        session.flush()
        add_identity(session, user, profile)
        audit.record(
            session, "identity_link", user=user, ip=ip, detail={"method": profile.provider}
        )
    _join(session, inv, user, ip, profile.provider)
    return user


def _slug(text: str) -> str:
    name = "".join(c for c in text.strip().lower().replace(" ", ".") if c in USERNAME_CHARS)
    return name.strip("._-")[:56]


def _free_username(session: Session, profile: Profile) -> str:
    """A unique username from the provider's login, e-mail or name, else provider + id."""
    base = ""
    for hint in (profile.login, profile.email.partition("@")[0], profile.display_name):
        base = _slug(hint or "")
        if len(base) >= 3:
            break
    if len(base) < 3:
        base = _slug(f"{profile.provider}-{profile.provider_user_id}")
    for n in range(1, 50):
        candidate = base if n == 1 else f"{base}{n}"
        if not session.scalar(select(User.id).where(User.username == candidate)):
            return candidate
    return f"{base}-{secrets.token_hex(3)}"


def workspace_of(session: Session, inv: Invitation) -> Workspace:
    """The workspace an invitation is for."""
    return session.get(Workspace, inv.workspace_id)
