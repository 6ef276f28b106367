"""E-mail and Telegram delivery of notifications, per user preference, never twice.

The scheduler claims work by inserting one `notification_delivery` row per notification,
user and channel (a unique key makes a second claim fail), commits, then sends and marks
the row sent. A send that fails is retried with back-off a few times; a worker that dies
mid-send leaves a lease that expires, and the row is tried again.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    Channel,
    Membership,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    NotifyEvent,
    User,
    Workspace,
    utcnow,
)
from app.services import delivery_channels as channels
from app.services.notifications import render, safe_link

log = logging.getLogger(__name__)

# Notification kinds (written by the accounts service and the publisher) per event.
EVENT_KINDS: dict[str, frozenset[str]] = {
    NotifyEvent.FAILURE: frozenset({"post_failed", "publish_failed"}),
    NotifyEvent.RECONNECT: frozenset({"token_dead", "reconnect_needed", "account_reconnect"}),
    NotifyEvent.SUCCESS: frozenset({"post_published", "post_done"}),
}
KNOWN_KINDS = frozenset().union(*EVENT_KINDS.values())
DEFAULT_EVENTS = [NotifyEvent.FAILURE.value, NotifyEvent.RECONNECT.value]
WINDOW = timedelta(days=1)
SCAN_LIMIT = 1000
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 4
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHAT_ID_RE = re.compile(r"^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$")


class DeliveryError(Exception):
    """Preferences could not be saved; `code` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def event_of(kind: str, params: dict | None = None) -> str | None:
    """The event a notification belongs to, or None when it is never sent outside."""
    if kind == "post_failed" and (params or {}).get("reason") == "reconnect_needed":
        return NotifyEvent.RECONNECT.value
    for event, kinds in EVENT_KINDS.items():
        if kind in kinds:
            return str(event)
    return None


def get_preference(session: Session, user_id: int) -> NotificationPreference | None:
    """A user's delivery preference, or None when they never saved one."""
    return session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )


def save_preference(
    session: Session,
    user: User,
    *,
    email: str,
    email_enabled: bool,
    telegram_chat_id: str,
    telegram_enabled: bool,
    events: list[str],
) -> NotificationPreference:
    """Store a user's channels and events; a channel switched on starts from now."""
    email = (email or "").strip()
    chat = (telegram_chat_id or "").strip()
    if email and not EMAIL_RE.match(email):
        raise DeliveryError("email_invalid")
    if email_enabled and not email:
        raise DeliveryError("email_required")
    if chat and not CHAT_ID_RE.match(chat):
        raise DeliveryError("chat_id_invalid")
    if telegram_enabled and not chat:
        raise DeliveryError("chat_id_required")
    valid = {e.value for e in NotifyEvent}
    pref = get_preference(session, user.id)
    if pref is None:
        pref = NotificationPreference(user_id=user.id, email="", telegram_chat_id="")
        session.add(pref)
    now = utcnow()
    if email_enabled and (not pref.email_enabled or pref.email != email):
        pref.email_since = now
    if telegram_enabled and (not pref.telegram_enabled or pref.telegram_chat_id != chat):
        pref.telegram_since = now
    pref.email, pref.email_enabled = email, bool(email_enabled)
    pref.telegram_chat_id, pref.telegram_enabled = chat, bool(telegram_enabled)
    pref.events = [e for e in dict.fromkeys(events) if e in valid]
    session.flush()
    return pref


def _channels(pref: NotificationPreference, created_at: datetime) -> list[str]:
    out = []
    if pref.email_enabled and pref.email and pref.email_since and created_at >= pref.email_since:
        out.append(Channel.EMAIL.value)
    if (
        pref.telegram_enabled
        and pref.telegram_chat_id
        and pref.telegram_since
        and created_at >= pref.telegram_since
    ):
        out.append(Channel.TELEGRAM.value)
    return out


def claim_pending(session: Session, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Claim deliveries to make now (new ones and retries); return their row ids."""
    now = now or utcnow()
    claimed = _claim_retries(session, now, limit)
    prefs = {
        p.user_id: p
        for p in session.scalars(
            select(NotificationPreference).where(
                or_(
                    NotificationPreference.email_enabled.is_(True),
                    NotificationPreference.telegram_enabled.is_(True),
                )
            )
        )
    }
    if not prefs or len(claimed) >= limit:
        return claimed
    # The newest ones (so a flood of old rows never hides new ones), then oldest first.
    rows = list(
        session.scalars(
            select(Notification)
            .where(Notification.created_at >= now - WINDOW, Notification.kind.in_(KNOWN_KINDS))
            .order_by(Notification.id.desc())
            .limit(SCAN_LIMIT)
        )
    )[::-1]
    if not rows:
        return claimed
    ids = [n.id for n in rows]
    done = {
        tuple(row)
        for row in session.execute(
            select(
                NotificationDelivery.notification_id,
                NotificationDelivery.user_id,
                NotificationDelivery.channel,
            ).where(NotificationDelivery.notification_id.in_(ids))
        )
    }
    members: dict[int, set[int]] = defaultdict(set)
    for ws_id, user_id in session.execute(
        select(Membership.workspace_id, Membership.user_id).where(
            Membership.workspace_id.in_({n.workspace_id for n in rows}),
            Membership.user_id.in_(list(prefs)),
        )
    ).all():
        members[ws_id].add(user_id)
    for n in rows:
        event = event_of(n.kind, n.params)
        recipients = members[n.workspace_id]
        if n.user_id is not None:
            recipients = recipients & {n.user_id}
        for user_id in sorted(recipients):
            pref = prefs[user_id]
            if event not in (pref.events if pref.events is not None else DEFAULT_EVENTS):
                continue
            for channel in _channels(pref, n.created_at):
                if (n.id, user_id, channel) in done:
                    continue
                row_id = _insert_claim(session, n.id, user_id, channel, now)
                if row_id is not None:
                    claimed.append(row_id)
                if len(claimed) >= limit:
                    return claimed
    return claimed


def _insert_claim(
    session: Session, notification_id: int, user_id: int, channel: str, now: datetime
) -> int | None:
    row = NotificationDelivery(
        notification_id=notification_id,
        user_id=user_id,
        channel=channel,
        status="sending",
        attempts=1,
        lease_until=now + LEASE,
        error="",
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another worker claimed it first
        return None
    return row.id


def _claim_retries(session: Session, now: datetime, limit: int) -> list[int]:
    due = or_(
        (NotificationDelivery.status == "failed") & (NotificationDelivery.next_attempt_at <= now),
        (NotificationDelivery.status == "sending") & (NotificationDelivery.lease_until < now),
    )
    candidates = session.execute(
        select(NotificationDelivery.id, NotificationDelivery.attempts).where(due).limit(limit)
    ).all()
    claimed = []
    for row_id, attempts in candidates:
        res = session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.id == row_id, NotificationDelivery.attempts == attempts, due
            )
            .values(status="sending", attempts=attempts + 1, lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount == 1:  # compare-and-set: nobody else took it meanwhile
            claimed.append(row_id)
    return claimed


def compose(session: Session, settings, notification: Notification, user: User):
    """Subject and body of a notification in the user's language."""
    workspace = session.get(Workspace, notification.workspace_id)
    with force_locale(user.locale or settings.DEFAULT_LOCALE):
        subject = _("Kezek · %(workspace)s", workspace=workspace.name if workspace else "")
        body = render(notification)
        link = safe_link(notification)
        if link:
            body += "\n\n" + _("Open in Kezek: %(url)s", url=settings.PUBLIC_BASE_URL + link)
    return subject, body


def _send(settings, pref: NotificationPreference, channel: str, subject: str, body: str):
    if channel == Channel.EMAIL.value:
        channels.send_email(settings, pref.email, subject, body)
    else:
        channels.send_telegram(settings, pref.telegram_chat_id, f"{subject}\n\n{body}")


def send_delivery(session: Session, settings, delivery_id: int, now: datetime | None = None) -> str:
    """Send one claimed delivery and record the outcome; return the new status."""
    row = session.get(NotificationDelivery, delivery_id)
    if row is None or row.status != "sending":
        return row.status if row else "gone"
    notification = session.get(Notification, row.notification_id)
    user = session.get(User, row.user_id)
    pref = get_preference(session, row.user_id)
    if notification is None or user is None or pref is None or not user.active:
        row.status = "skipped"
    elif row.channel not in _channels(pref, notification.created_at):
        row.status = "skipped"  # switched off since it was claimed
    else:
        subject, body = compose(session, settings, notification, user)
        try:
            _send(settings, pref, row.channel, subject, body)
        except channels.ChannelError as exc:
            row.error = str(exc)[:255]
            if row.attempts >= MAX_ATTEMPTS or isinstance(exc, channels.ChannelNotConfigured):
                row.status = "given_up"
            else:
                row.status = "failed"
                delay = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
                row.next_attempt_at = (now or utcnow()) + delay
            log.warning(
                "notification not delivered",
                extra={"channel": row.channel, "delivery": row.id, "err": row.error},
            )
        else:
            row.status = "sent"
            row.sent_at = now or utcnow()
            row.error = ""
    row.lease_until = None
    session.flush()
    return row.status


def send_test(session: Session, settings, user: User, channel: str) -> None:
    """Send a test message on one channel now; raises channels.ChannelError."""
    pref = get_preference(session, user.id)
    target = pref and (pref.email if channel == Channel.EMAIL.value else pref.telegram_chat_id)
    if not target:
        raise channels.ChannelError("no address")
    with force_locale(user.locale or settings.DEFAULT_LOCALE):
        subject = _("Kezek test message")
        body = _("This is a test message from Kezek: notifications will arrive here.")
    _send(settings, pref, channel, subject, body)
