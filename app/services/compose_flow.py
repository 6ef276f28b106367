"""Moving a draft (or a post sent back) into the queue, honouring workspace approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Membership, PostStatus, Role, Workspace
from app.models.post import Post
from app.services import posts as posts_service


def needs_approval(session: Session, workspace_id: int, user) -> bool:
    """Whether posts this user queues must wait for an owner (approval on, not an owner)."""
    ws = session.get(Workspace, workspace_id)
    if ws is None or not ws.require_approval:
        return False
    role = session.scalar(
        select(Membership.role).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user.id
        )
    )
    return role != Role.OWNER.value


def submit(session: Session, settings, post: Post, user, when: datetime | None) -> Post:
    """Queue a draft or failed post for `when`; in approval workspaces editors' drafts wait."""
    if post.status == PostStatus.DRAFT.value and needs_approval(session, post.workspace_id, user):
        posts_service.reschedule(session, post, when, settings)  # checks it is editable
        post.status = PostStatus.PENDING_APPROVAL.value
        post.next_attempt_at = None
        posts_service.add_log(session, post, "submitted", "info", message_key="pending_approval")
        session.flush()
        return post
    return posts_service.reschedule(session, post, when, settings)
