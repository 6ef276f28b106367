"""/api/v1/invitations (owners) and /api/v1/me/identities (the caller's sign-in methods)."""

from __future__ import annotations

from typing import Literal

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from app.extensions import db
from app.models import Identity, Invitation, Role, utcnow
from app.services import delivery_channels, identities, invitations
from app.services.identities import PROVIDER_NAMES, IdentityError
from app.services.invitations import EMAIL_RE, InvitationError
from app.services.workspaces import get_scoped
from app.web.api import bp
from app.web.api.errors import ApiError, field_error
from app.web.api.schemas import (
    ListQuery,
    Schema,
    Timestamp,
    decode_cursor,
    optional,
    page_of,
    parse_id,
)
from app.web.api.spec import endpoint
from app.web.identity.invites import invitation_link, send_invitation_email

Provider = Literal["telegram", "google", "yandex"]


class InvitationOut(Schema):
    id: str
    email: str = Field(description="The invited address; empty when none was given.")
    role: Role = Field(description="The role the invited person gets.")
    state: Literal["pending", "accepted", "expired"]
    created_at: Timestamp
    expires_at: Timestamp
    accepted_at: Timestamp | None
    invited_by: str | None = Field(description="Id of the user who invited, if still there.")
    accepted_by: str | None = Field(description="Id of the user who joined with it.")


class InvitationCreated(InvitationOut):
    link: str = Field(
        description="The single-use link to send to the invited person. It is shown only "
        "in this response: only its hash is stored."
    )
    email_sent: bool = Field(description="True when the link was e-mailed to `email`.")


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class InvitationIn(Schema):
    role: Role = Field(description="The role the invited person gets in this workspace.")
    email: str = optional("Who is invited (kept for the list; needed for `send_email`).")
    send_email: bool = Field(
        False, description="Also e-mail the link to `email` (when the server can send e-mail)."
    )

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and (len(value) > 254 or not EMAIL_RE.match(value)):
            raise PydanticCustomError("email_invalid", "not an e-mail address")
        return value


class IdentityOut(Schema):
    id: str
    provider: Provider
    provider_name: str = Field(description="The provider's display name, e.g. `Google`.")
    display_name: str = Field(description="The name the provider gave; may be empty.")
    email: str = Field(description="The e-mail the provider gave; may be empty.")
    linked_at: Timestamp
    last_used_at: Timestamp | None


class IdentityPage(Schema):
    items: list[IdentityOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


def invitation_out(inv: Invitation) -> InvitationOut:
    """The API view of an invitation (never its token)."""
    return InvitationOut(
        id=str(inv.id),
        email=inv.email,
        role=Role(inv.role),
        state=inv.state(utcnow()),
        created_at=inv.created_at,
        expires_at=inv.expires_at,
        accepted_at=inv.accepted_at,
        invited_by=str(inv.invited_by) if inv.invited_by else None,
        accepted_by=str(inv.accepted_by) if inv.accepted_by else None,
    )


def identity_out(ident: Identity) -> IdentityOut:
    """The API view of a linked sign-in method (never provider tokens: none are kept)."""
    return IdentityOut(
        id=str(ident.id),
        provider=ident.provider,
        provider_name=PROVIDER_NAMES.get(ident.provider, ident.provider),
        display_name=ident.display_name,
        email=ident.email,
        linked_at=ident.created_at,
        last_used_at=ident.last_used_at,
    )


def _ip() -> str:
    return request.remote_addr or ""


@bp.get("/invitations")
@endpoint(resp=InvitationPage, query=ListQuery, role=Role.OWNER, tags=("invitations",))
def list_invitations(query: ListQuery):
    """The workspace's invitations, pending, accepted and expired, newest first (owners)."""
    rows = invitations.page(
        db.session, g.workspace.id, before_id=decode_cursor(query.next), limit=query.limit + 1
    )
    page, nxt = page_of(rows, query.limit)
    return InvitationPage(items=[invitation_out(inv) for inv in page], next=nxt)


@bp.post("/invitations")
@endpoint(
    status=201, resp=InvitationCreated, json=InvitationIn, role=Role.OWNER, tags=("invitations",)
)
def create_invitation(json: InvitationIn):
    """Invite someone to this workspace with a role: a link that works once, for 7 days."""
    if json.send_email and not json.email:
        raise ApiError(422, fields=[field_error("email", "email_required")])
    try:
        inv, token = invitations.create(
            db.session, g.workspace.id, json.role.value, json.email or "", g.api_user, _ip(), "api"
        )
    except InvitationError as e:
        raise ApiError(422, fields=[field_error("email", e.code)]) from None
    db.session.commit()
    link = invitation_link(token)
    settings = current_app.config["SETTINGS"]
    sent = False
    if json.send_email and delivery_channels.email_configured(settings):
        sent = send_invitation_email(settings, inv, link, g.api_user)
    body = InvitationCreated(**dict(invitation_out(inv)), link=link, email_sent=sent)
    # The link is a secret shown once: no cache may keep it.
    return body, 201, {"Cache-Control": "no-store"}


@bp.delete("/invitations/<invitation_id>")
@endpoint(status=204, role=Role.OWNER, tags=("invitations",), extra_errors=(409,))
def revoke_invitation(invitation_id: str):
    """Revoke an invitation that was not used yet, so its link stops working (owners)."""
    inv = get_scoped(db.session, Invitation, parse_id(invitation_id), g.workspace.id)
    if inv is None:
        raise ApiError(404)
    if inv.accepted_at is not None:
        raise ApiError(409, "invitation_used", _("This invitation has already been used."))
    invitations.revoke(db.session, inv, g.api_user, _ip(), "api")
    db.session.commit()
    return "", 204


@bp.get("/me/identities")
@endpoint(resp=IdentityPage, query=ListQuery, needs_workspace=False, tags=("users",))
def list_my_identities(query: ListQuery):
    """The token user's linked sign-in methods (Telegram, Google, Yandex), by id."""
    rows = identities.page_of_identities(
        db.session, g.api_user, after_id=decode_cursor(query.next), limit=query.limit + 1
    )
    page, nxt = page_of(rows, query.limit)
    return IdentityPage(items=[identity_out(i) for i in page], next=nxt)


@bp.delete("/me/identities/<identity_id>")
@endpoint(status=204, needs_workspace=False, tags=("users",), extra_errors=(409,))
def unlink_my_identity(identity_id: str):
    """Unlink one sign-in method; refused (409 `last_method`) if it is the only way in."""
    key = parse_id(identity_id)
    if key is None:
        raise ApiError(404)
    try:
        identities.unlink(db.session, g.api_user, key, _ip(), "api")
    except IdentityError as e:
        db.session.commit()  # keeps the audit row of the refusal
        if e.code == "identity_not_found":
            raise ApiError(404) from None
        raise ApiError(
            409,
            "last_method",
            _("You cannot remove your only way to sign in. Set a password or link another first."),
        ) from None
    db.session.commit()
    return "", 204
