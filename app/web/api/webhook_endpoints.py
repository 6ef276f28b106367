"""/api/v1/webhook-endpoints: outgoing webhook URLs, their secrets and delivery log."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Role, WebhookDelivery, WebhookEndpoint
from app.services import audit
from app.services.outgoing_webhooks import endpoints as service
from app.services.outgoing_webhooks.urls import WebhookError
from app.services.workspaces import get_scoped, scoped
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.rows import id_page, scoped_or_404
from app.web.api.schemas import ListQuery, decode_cursor, page_of, parse_id
from app.web.api.spec import endpoint
from app.web.api.webhook_schemas import (
    WebhookDeliveryOut,
    WebhookDeliveryPage,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPage,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from app.web.automations.webhook_messages import error_text

TAGS = ("webhooks",)


def _settings():
    return current_app.config["SETTINGS"]


def _refused(e: WebhookError) -> ApiError:
    return ApiError(422, fields=[{"field": e.field, "code": e.code, "message": error_text(e.code)}])


def _audit(action: str, row: WebhookEndpoint) -> None:
    audit.record(
        db.session,
        action,
        user=g.api_user,
        workspace_id=row.workspace_id,
        ip=request.remote_addr or "",
        detail={"endpoint_id": row.id, "url": row.url},
    )


def endpoint_out(row: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=str(row.id),
        url=row.url,
        description=row.description,
        events=list(row.events or []),
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _with_secret(row: WebhookEndpoint, secret: str) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret(**endpoint_out(row).model_dump(), secret=secret)


@bp.get("/webhook-endpoints")
@endpoint(resp=WebhookEndpointPage, query=ListQuery, tags=TAGS)
def list_webhook_endpoints(query: ListQuery):
    """The workspace's webhook endpoints, by id (secrets are never listed)."""
    items, nxt = id_page(scoped(WebhookEndpoint, g.workspace.id), WebhookEndpoint, query)
    return WebhookEndpointPage(items=[endpoint_out(r) for r in items], next=nxt)


@bp.post("/webhook-endpoints")
@endpoint(
    status=201, resp=WebhookEndpointWithSecret, json=WebhookEndpointIn, role=Role.EDITOR, tags=TAGS
)
def create_webhook_endpoint(json: WebhookEndpointIn):
    """Register a URL for the chosen events; the answer holds its secret, this once."""
    try:
        row, secret = service.create_endpoint(
            db.session, _settings(), g.workspace.id, **json.model_dump()
        )
    except WebhookError as e:
        db.session.rollback()
        raise _refused(e) from None
    _audit("webhook_endpoint_create", row)
    db.session.commit()
    return _with_secret(row, secret), 201


@bp.get("/webhook-endpoints/<endpoint_id>")
@endpoint(resp=WebhookEndpointOut, tags=TAGS)
def get_webhook_endpoint(endpoint_id: str):
    """One webhook endpoint (without its secret)."""
    return endpoint_out(scoped_or_404(WebhookEndpoint, endpoint_id))


@bp.patch("/webhook-endpoints/<endpoint_id>")
@endpoint(resp=WebhookEndpointOut, json=WebhookEndpointUpdate, role=Role.EDITOR, tags=TAGS)
def update_webhook_endpoint(endpoint_id: str, json: WebhookEndpointUpdate):
    """Change the URL, events, description or switch it off; omitted fields stay."""
    row = scoped_or_404(WebhookEndpoint, endpoint_id)
    try:
        service.update_endpoint(db.session, _settings(), row, **json.model_dump(exclude_unset=True))
    except WebhookError as e:
        db.session.rollback()
        raise _refused(e) from None
    db.session.commit()
    return endpoint_out(row)


@bp.delete("/webhook-endpoints/<endpoint_id>")
@endpoint(status=204, role=Role.EDITOR, tags=TAGS)
def delete_webhook_endpoint(endpoint_id: str):
    """Delete an endpoint and its delivery log; nothing more is sent to it."""
    row = scoped_or_404(WebhookEndpoint, endpoint_id)
    _audit("webhook_endpoint_delete", row)
    service.delete_endpoint(db.session, row)
    db.session.commit()
    return "", 204


@bp.post("/webhook-endpoints/<endpoint_id>/rotate-secret")
@endpoint(resp=WebhookEndpointWithSecret, role=Role.EDITOR, tags=TAGS)
def rotate_webhook_endpoint_secret(endpoint_id: str):
    """Replace the secret; later requests (retries too) are signed with the new one."""
    row = scoped_or_404(WebhookEndpoint, endpoint_id)
    secret = service.rotate_secret(db.session, _settings(), row)
    _audit("webhook_secret_rotate", row)
    db.session.commit()
    return _with_secret(row, secret)


def delivery_out(d: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=str(d.id),
        event_id=d.event_id,
        event_type=d.event_type,
        status=d.status,
        attempts=d.attempts,
        response_code=d.response_code,
        last_error=d.last_error or "",
        created_at=d.created_at,
        last_attempt_at=d.last_attempt_at,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
    )


@bp.get("/webhook-endpoints/<endpoint_id>/deliveries")
@endpoint(resp=WebhookDeliveryPage, query=ListQuery, tags=TAGS)
def list_webhook_endpoint_deliveries(endpoint_id: str, query: ListQuery):
    """The endpoint's deliveries, newest first: status, attempts, last response code."""
    row = scoped_or_404(WebhookEndpoint, endpoint_id)
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == row.id, WebhookDelivery.workspace_id == g.workspace.id
    )
    before = decode_cursor(query.next)
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    rows = db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(query.limit + 1))
    items, nxt = page_of(list(rows), query.limit)
    return WebhookDeliveryPage(items=[delivery_out(d) for d in items], next=nxt)


@bp.post("/webhook-endpoints/<endpoint_id>/test")
@endpoint(status=202, resp=WebhookDeliveryOut, role=Role.EDITOR, tags=TAGS)
def test_webhook_endpoint(endpoint_id: str):
    """Queue a `ping` event for this endpoint (sent even when it is switched off)."""
    delivery = service.queue_test(db.session, scoped_or_404(WebhookEndpoint, endpoint_id))
    db.session.commit()
    return delivery_out(delivery), 202


@bp.post("/webhook-endpoints/<endpoint_id>/deliveries/<delivery_id>/retry")
@endpoint(status=202, resp=WebhookDeliveryOut, role=Role.EDITOR, tags=TAGS, extra_errors=(409,))
def retry_webhook_delivery(endpoint_id: str, delivery_id: str):
    """Send a failed delivery again with a fresh set of attempts (409 unless it failed)."""
    row = scoped_or_404(WebhookEndpoint, endpoint_id)
    key = parse_id(delivery_id)
    delivery = get_scoped(db.session, WebhookDelivery, key, g.workspace.id) if key else None
    if delivery is None or delivery.endpoint_id != row.id:
        raise ApiError(404)
    if not service.retry_delivery(db.session, delivery):
        raise ApiError(409, "not_failed", _("Only a failed delivery can be retried."))
    db.session.commit()
    return delivery_out(delivery), 202
