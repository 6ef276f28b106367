"""Outgoing webhooks: signed JSON events a workspace receives at the URLs it registered.

`endpoints` manages the URLs and their secrets, `events` queues one delivery per subscribed
endpoint (a single insert each, no HTTP in the request path), `sending` claims due deliveries
in the worker, signs and posts them, and retries with back-off.
"""

from app.services.outgoing_webhooks.events import EVENT_TYPES, TEST_EVENT, emit

__all__ = ["EVENT_TYPES", "TEST_EVENT", "emit"]
