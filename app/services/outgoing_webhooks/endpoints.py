"""Webhook endpoints of a workspace: URL, subscribed events, secret (encrypted at rest)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow
from app.services import crypto
from app.services.outgoing_webhooks.events import (
    EVENT_TYPES,
    TEST_EVENT,
    envelope,
    pending_delivery,
)
from app.services.outgoing_webhooks.urls import WebhookError, normalize_url

SECRET_PURPOSE = "webhook_secret"
SECRET_PREFIX = "whsec_"
MAX_DESCRIPTION = 120
MAX_ENDPOINTS = 20


def _events(events) -> list[str]:
    chosen = [e for e in dict.fromkeys(events or []) if e]
    if not chosen:
        raise WebhookError("events_empty", "events")
    if any(e not in EVENT_TYPES for e in chosen):
        raise WebhookError("event_unknown", "events")
    return [e for e in EVENT_TYPES if e in chosen]


def _description(text) -> str:
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise WebhookError("description_too_long", "description")
    return text


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _store_secret(settings, endpoint: WebhookEndpoint, secret: str) -> None:
    endpoint.secret_ciphertext = crypto.encrypt(
        settings.token_keys, secret, purpose=SECRET_PURPOSE, row_id=endpoint.id
    )


def read_secret(settings, endpoint: WebhookEndpoint) -> str:
    """Decrypt the endpoint's secret (crypto.TokenCryptoError when it cannot)."""
    return crypto.decrypt(
        settings.token_keys, endpoint.secret_ciphertext, purpose=SECRET_PURPOSE, row_id=endpoint.id
    )


def endpoints_of(session: Session, workspace_id: int) -> list[WebhookEndpoint]:
    """The workspace's endpoints, oldest first."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.workspace_id == workspace_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def create_endpoint(
    session: Session,
    settings,
    workspace_id: int,
    *,
    url: str,
    events,
    description: str = "",
    active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Register a URL; returns the endpoint and its secret (shown to the user only now)."""
    if len(endpoints_of(session, workspace_id)) >= MAX_ENDPOINTS:
        raise WebhookError("too_many_endpoints")
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id,
        url=normalize_url(settings, url),
        events=_events(events),
        description=_description(description),
        active=bool(active),
        secret_ciphertext="",
    )
    session.add(endpoint)
    session.flush()  # the id is bound into the ciphertext
    secret = new_secret()
    _store_secret(settings, endpoint, secret)
    session.flush()
    return endpoint, secret


def update_endpoint(
    session: Session,
    settings,
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    events=None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change the given fields; None leaves a field as it is."""
    if url is not None:
        endpoint.url = normalize_url(settings, url)
    if events is not None:
        endpoint.events = _events(events)
    if description is not None:
        endpoint.description = _description(description)
    if active is not None:
        endpoint.active = bool(active)
    session.flush()
    return endpoint


def rotate_secret(session: Session, settings, endpoint: WebhookEndpoint) -> str:
    """Replace the secret; the next deliveries (retries too) are signed with the new one."""
    secret = new_secret()
    _store_secret(settings, endpoint, secret)
    session.flush()
    return secret


def rotate_keys(session: Session, settings) -> int:
    """Re-encrypt every secret under the newest TOKEN_ENCRYPTION_KEYS key; return how many."""
    newest = settings.token_keys[0][0]
    changed = 0
    for endpoint in session.scalars(select(WebhookEndpoint)):
        if not endpoint.secret_ciphertext or crypto.key_id_of(endpoint.secret_ciphertext) == newest:
            continue
        _store_secret(settings, endpoint, read_secret(settings, endpoint))
        changed += 1
    session.flush()
    return changed


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    session.delete(endpoint)
    session.flush()


def queue_test(session: Session, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `ping` event for one endpoint (sent even when it is switched off)."""
    payload = envelope(endpoint.workspace_id, TEST_EVENT, {"endpoint_id": str(endpoint.id)})
    row = pending_delivery(endpoint.workspace_id, endpoint.id, payload)
    session.add(row)
    session.flush()
    return row


def retry_delivery(session: Session, delivery: WebhookDelivery) -> bool:
    """Send a failed delivery again with a fresh set of attempts; False if it did not fail."""
    if delivery.status != DeliveryStatus.FAILED.value:
        return False
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    session.flush()
    return True
