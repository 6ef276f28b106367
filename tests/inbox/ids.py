"""Rows of the inbox in a given workspace, for checks that try every API route with an id."""

from __future__ import annotations

import secrets

from app.models import InboxComment, InboxThread, InstagramAccount


def inbox_ids(session, workspace_id: int) -> dict[str, int]:
    """A comment thread with one comment, in `workspace_id`: ids by route argument name."""
    account = InstagramAccount(
        workspace_id=workspace_id,
        ig_user_id=f"1784{secrets.randbelow(10**12):012d}",
        username="inbox.ids",
    )
    session.add(account)
    session.flush()
    thread = InboxThread(
        workspace_id=workspace_id, account_id=account.id, kind="dm", thread_key="6100"
    )
    session.add(thread)
    session.flush()
    comment = InboxComment(
        workspace_id=workspace_id,
        thread_id=thread.id,
        account_id=account.id,
        ig_comment_id="1790",
        text="x",
    )
    session.add(comment)
    session.flush()
    return {"thread_id": thread.id, "comment_id": comment.id}
