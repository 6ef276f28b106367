"""/api/v1/notifications: list the workspace's notifications and mark them read."""

from __future__ import annotations

from flask import g
from pydantic import Field

from app.extensions import db
from app.services import notifications as svc
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.schemas import (
    ListQuery,
    Schema,
    Timestamp,
    decode_cursor,
    page_of,
    parse_id,
)
from app.web.api.spec import endpoint


class NotificationOut(Schema):
    id: str
    kind: str = Field(description="Stable type, e.g. `token_dead`.")
    message: str = Field(description="Rendered in the token user's language.")
    params: dict[str, str | int | float | bool | None] = Field(
        description="The values the message was made from."
    )
    link: str | None = Field(description="A dashboard path to follow, if any.")
    for_user: bool = Field(description="True when addressed to this user only.")
    created_at: Timestamp
    read_at: Timestamp | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class NotificationQuery(ListQuery):
    unread: bool = Field(False, description="Only unread notifications.")


class MarkedRead(Schema):
    updated: int = Field(description="How many notifications were marked read.")


def notification_out(n) -> NotificationOut:
    """The API view of a notification."""
    params = {
        str(k): v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in (n.params or {}).items()
    }
    return NotificationOut(
        id=str(n.id),
        kind=n.kind,
        message=svc.render(n),
        params=params,
        link=svc.safe_link(n) or None,
        for_user=n.user_id is not None,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@bp.get("/notifications")
@endpoint(resp=NotificationPage, query=NotificationQuery, tags=("notifications",))
def list_notifications(query: NotificationQuery):
    """The workspace's notifications that the user sees, newest first."""
    rows = svc.list_notifications(
        db.session,
        g.workspace.id,
        g.api_user.id,
        unread_only=query.unread,
        before_id=decode_cursor(query.next),
        limit=query.limit + 1,
    )
    page, nxt = page_of(rows, query.limit)
    return NotificationPage(items=[notification_out(n) for n in page], next=nxt)


@bp.post("/notifications/<notification_id>/read")
@endpoint(resp=NotificationOut, tags=("notifications",))
def mark_notification_read(notification_id: str):
    """Mark one notification read."""
    key = parse_id(notification_id)
    n = svc.get_notification(db.session, g.workspace.id, g.api_user.id, key) if key else None
    if n is None:
        raise ApiError(404)
    svc.mark_read(n)
    db.session.commit()
    return notification_out(n)


@bp.post("/notifications/read-all")
@endpoint(resp=MarkedRead, tags=("notifications",))
def mark_all_notifications_read():
    """Mark every notification the user sees in this workspace read."""
    updated = svc.mark_all_read(db.session, g.workspace.id, g.api_user.id)
    db.session.commit()
    return MarkedRead(updated=updated)
