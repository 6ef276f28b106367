"""Request and response bodies of the outgoing webhook endpoints API."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.services.outgoing_webhooks.events import EVENT_TYPES
from app.web.api.schemas import Schema, Timestamp, optional

EventName = Literal[EVENT_TYPES]  # a tuple subscript: one Literal of every event name
URL = r"^https?://\S+$"
URL_HELP = (
    "Where events are POSTed: https:// (http:// only outside production); private and "
    "loopback addresses are refused unless OUTGOING_WEBHOOKS_ALLOW_PRIVATE is on."
)


class WebhookEndpointIn(Schema):
    """A URL to receive the workspace's events; the answer holds its secret, once."""

    url: str = Field(max_length=500, pattern=URL, description=URL_HELP)
    events: list[EventName] = Field(min_length=1, max_length=6, description="Events to send.")
    description: str = Field("", max_length=120, description="A note shown in lists.")
    active: bool = True


class WebhookEndpointUpdate(Schema):
    """Fields to change; omitted ones stay as they are."""

    url: str = optional(URL_HELP, max_length=500, pattern=URL)
    events: list[EventName] = optional("Events to send.", min_length=1, max_length=6)
    description: str = optional("A note shown in lists.", max_length=120)
    active: bool = optional("false: nothing is sent (a test event still is).")


class WebhookEndpointOut(Schema):
    id: str
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(
        description="Signs every request (X-Kezek-Signature-256). Returned only on create and "
        "rotate: store it now."
    )


class WebhookEndpointPage(Schema):
    items: list[WebhookEndpointOut]
    next: str | None


class WebhookDeliveryOut(Schema):
    id: str = Field(description="Also sent as the X-Kezek-Delivery header.")
    event_id: str = Field(description="The body's `id`: the same for every endpoint.")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_code: int | None = Field(description="The HTTP status of the last answer.")
    last_error: str = Field(description="Why the last attempt failed, e.g. `timeout`, `http_500`.")
    created_at: Timestamp
    last_attempt_at: Timestamp | None
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next: str | None
