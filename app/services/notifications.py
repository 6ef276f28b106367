"""Notifications: stored as a kind and parameters, rendered in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import Notification, utcnow
from app.services.workspaces import scoped

# kind -> message with named placeholders filled from `params` at display time.
MESSAGES = {
    "token_dead": _l(
        "The Instagram connection of @%(username)s has stopped working. "
        "Reconnect the account to keep publishing."
    ),
    "token_refresh_failed": _l(
        "Kezek could not refresh the Instagram access of @%(username)s. It will try again."
    ),
    "post_failed": _l(
        "A post to @%(username)s was not published. Open it to see why and what to do."
    ),
    "post_published": _l("A post was published on @%(username)s."),
}
GENERIC_MESSAGE = _l("Something in this workspace needs your attention.")


class _Params(dict):
    """Parameters that render a missing name as an ellipsis instead of failing."""

    def __missing__(self, key):
        return "…"


def notify(
    session: Session,
    workspace_id: int,
    kind: str,
    params: dict | None = None,
    link: str | None = None,
    user_id: int | None = None,
) -> Notification:
    """Add a notification for a workspace (every member) or for one of its users."""
    row = Notification(
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind[:64],
        params=params or None,
        link=(link or "")[:500],
    )
    session.add(row)
    session.flush()
    return row


def render(notification: Notification) -> str:
    """The notification's text in the current locale; unknown kinds get a generic text."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return str(GENERIC_MESSAGE)
    try:
        return str(template) % _Params(notification.params or {})
    except (TypeError, ValueError):
        return str(GENERIC_MESSAGE)


def safe_link(notification: Notification) -> str:
    """The link if it stays on this site (a path), else an empty string."""
    link = notification.link or ""
    return link if link.startswith("/") and not link.startswith("//") else ""


def visible(workspace_id: int, user_id: int) -> Select[tuple[Notification]]:
    """Notifications of a workspace that a user sees: theirs and everyone's."""
    return scoped(Notification, workspace_id).where(
        or_(Notification.user_id.is_(None), Notification.user_id == user_id)
    )


def list_notifications(
    session: Session,
    workspace_id: int,
    user_id: int,
    *,
    unread_only: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Notification]:
    """Newest first, optionally only unread ones, optionally older than `before_id`."""
    stmt = visible(workspace_id, user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def get_notification(
    session: Session, workspace_id: int, user_id: int, notification_id: int
) -> Notification | None:
    """One visible notification by id, or None."""
    return session.scalar(visible(workspace_id, user_id).where(Notification.id == notification_id))


def unread_count(session: Session, workspace_id: int, user_id: int) -> int:
    """How many visible notifications are unread."""
    sub = visible(workspace_id, user_id).where(Notification.read_at.is_(None)).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def mark_read(notification: Notification) -> None:
    """Mark one notification read (idempotent)."""
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(session: Session, workspace_id: int, user_id: int) -> int:
    """Mark every visible unread notification read; return how many."""
    res = session.execute(
        update(Notification)
        .where(
            Notification.workspace_id == workspace_id,
            or_(Notification.user_id.is_(None), Notification.user_id == user_id),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return res.rowcount or 0
