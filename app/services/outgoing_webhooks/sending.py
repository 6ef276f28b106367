"""Delivering outgoing webhooks: claim due rows, sign, POST, record, retry with back-off.

Claims: the due ids are read (`FOR UPDATE SKIP LOCKED` on MariaDB) and each is taken with a
compare-and-set `UPDATE ... WHERE lease expired`, so two scheduler processes never send the
same attempt. The HTTP part (`post()`) touches no database and runs in threads; a dead worker
leaves a lease that expires, and the row is tried again.

Signature: `X-Kezek-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
with `<timestamp>` the `X-Kezek-Timestamp` header (Unix seconds) and `<body>` the raw bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import certifi
import urllib3
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow
from app.services.crypto import TokenCryptoError
from app.services.outgoing_webhooks.endpoints import read_secret
from app.services.outgoing_webhooks.urls import WebhookError, default_port, resolve

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Waits after attempts 1..7 (x0.8-1.2 jitter): about 19 hours from the first try to the last.
BACKOFF_BASE = timedelta(seconds=90)
BACKOFF_FACTOR = 3
BACKOFF_CAP = timedelta(hours=10)
LEASE = timedelta(minutes=2)
KEEP = timedelta(days=30)
USER_AGENT = "Kezek-Webhooks/1"
PENDING = DeliveryStatus.PENDING.value


@dataclass(frozen=True)
class Request:
    """Everything one attempt needs, read from the database before any network call."""

    delivery_id: int
    url: str
    body: bytes
    headers: dict


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    error: str = ""
    final: bool = False  # no point retrying (the URL is not allowed)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the given number of failed attempts, with +-20% jitter."""
    base = min(BACKOFF_BASE * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_CAP)
    return base * (rng or random).uniform(0.8, 1.2)  # noqa: S311 - jitter, not a secret


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Kezek-Signature-256 value for a body sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _due(now: datetime):
    return (
        (WebhookDelivery.status == PENDING)
        & (WebhookDelivery.next_attempt_at <= now)
        & or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now)
    )


def claim_due(session: Session, now: datetime | None = None, limit: int = 50) -> list[int]:
    """Take up to `limit` due deliveries (oldest due first) for this worker; flushes."""
    now = now or utcnow()
    stmt = (
        select(WebhookDelivery.id)
        .where(_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for row_id in list(session.scalars(stmt)):
        res = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row_id, _due(now))
            .values(lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount == 1:
            claimed.append(row_id)
    return claimed


def prepare(session: Session, settings, delivery_id: int, now: datetime | None = None):
    """The signed request of a claimed delivery, or None when it ends without a send."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != PENDING:
        return None
    endpoint = session.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or (not endpoint.active and row.event_type != "ping"):
        _give_up(row, "endpoint_inactive")
        return None
    try:
        secret = read_secret(settings, endpoint)
    except TokenCryptoError:
        _give_up(row, "secret_unreadable")
        return None
    body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int((now or utcnow()).timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Kezek-Event": row.event_type,
        "X-Kezek-Delivery": str(row.id),
        "X-Kezek-Timestamp": str(stamp),
        "X-Kezek-Signature-256": sign(secret, stamp, body),
    }
    return Request(row.id, endpoint.url, body, headers)


def _give_up(row: WebhookDelivery, error: str) -> None:
    row.status = DeliveryStatus.FAILED.value
    row.last_error = error[:255]
    row.lease_until = None
    row.next_attempt_at = None


def post(settings, req: Request) -> Outcome:
    """POST one request to the address checked just now; redirects are not followed."""
    try:
        return _post(settings, req)
    except Exception:  # one odd URL must not take the whole batch (and its leases) down
        log.exception("webhook delivery failed unexpectedly", extra={"delivery": req.delivery_id})
        return Outcome(None, "unexpected_error")


def _post(settings, req: Request) -> Outcome:
    parts = urlsplit(req.url)
    host = parts.hostname
    port = parts.port or default_port(parts.scheme)
    try:
        address = resolve(settings, host, port)[0]
    except WebhookError as e:
        return Outcome(None, e.code, final=e.code == "url_private")
    timeout = urllib3.Timeout(
        connect=settings.OUTGOING_WEBHOOKS_TIMEOUT_SECONDS,
        read=settings.OUTGOING_WEBHOOKS_TIMEOUT_SECONDS,
    )
    # Connect to the address that passed the check (no second lookup to rebind), while TLS
    # still verifies the certificate for the URL's host name.
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    try:
        resp = pool.urlopen(
            "POST",
            path,
            body=req.body,
            headers={**req.headers, "Host": host_header},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        resp.read(4096, decode_content=False)  # an answer's body is never stored
        resp.release_conn()
    except urllib3.exceptions.NewConnectionError:
        return Outcome(None, "connection_failed")
    except urllib3.exceptions.TimeoutError:
        return Outcome(None, "timeout")
    except urllib3.exceptions.SSLError:
        return Outcome(None, "tls_error")
    except urllib3.exceptions.HTTPError:
        return Outcome(None, "connection_failed")
    finally:
        pool.close()
    if 200 <= resp.status < 300:
        return Outcome(resp.status)
    return Outcome(resp.status, f"http_{resp.status}")


def record(
    session: Session, delivery_id: int, outcome: Outcome, now: datetime | None = None, rng=None
) -> str:
    """Store an attempt's outcome: delivered, retried later, or failed for good."""
    now = now or utcnow()
    row = session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != PENDING:
        return row.status if row else "gone"
    row.attempts = (row.attempts or 0) + 1
    row.last_attempt_at = now
    row.response_code = outcome.status
    row.lease_until = None
    if outcome.status is not None and 200 <= outcome.status < 300:
        row.status = DeliveryStatus.DELIVERED.value
        row.delivered_at = now
        row.last_error = ""
        row.next_attempt_at = None
    elif outcome.final or row.attempts >= MAX_ATTEMPTS:
        _give_up(row, outcome.error or "failed")
    else:
        row.last_error = outcome.error[:255]
        row.next_attempt_at = now + backoff(row.attempts, rng)
    session.flush()
    return row.status


def purge(session: Session, now: datetime | None = None, keep: timedelta = KEEP) -> int:
    """Forget finished deliveries older than `keep` (30 days); return how many."""
    cutoff = (now or utcnow()) - keep
    res = session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status != PENDING, WebhookDelivery.created_at < cutoff
        )
    )
    return res.rowcount or 0
