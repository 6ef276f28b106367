"""Caption snippets and hashtag groups: saved text a workspace inserts into captions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Snippet, SnippetKind, User
from app.services.workspaces import scoped

MAX_NAME = 120
MAX_BODY = 2200


class SnippetError(Exception):
    """A snippet could not be saved; `code` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def list_snippets(session: Session, workspace_id: int) -> list[Snippet]:
    """A workspace's snippets, hashtag groups after caption snippets, by name."""
    return list(session.scalars(scoped(Snippet, workspace_id).order_by(Snippet.kind, Snippet.name)))


def create_snippet(
    session: Session, workspace_id: int, user: User | None, *, name: str, body: str, kind: str
) -> Snippet:
    """Save a snippet after checking its name, kind and length."""
    name = (name or "").strip()
    body = (body or "").strip()
    if not name or len(name) > MAX_NAME:
        raise SnippetError("snippet_name_invalid")
    if not body or len(body) > MAX_BODY:
        raise SnippetError("snippet_body_invalid")
    if kind not in {k.value for k in SnippetKind}:
        raise SnippetError("snippet_kind_invalid")
    if kind == SnippetKind.HASHTAGS:
        body = " ".join(normalize_hashtags(body))
        if not body:
            raise SnippetError("snippet_body_invalid")
    row = Snippet(
        workspace_id=workspace_id,
        name=name,
        body=body,
        kind=kind,
        created_by_id=user.id if user else None,
    )
    session.add(row)
    session.flush()
    return row


def normalize_hashtags(text: str) -> list[str]:
    """Words of a hashtag group, each with exactly one leading '#', duplicates dropped."""
    seen: dict[str, None] = {}
    for word in text.replace(",", " ").split():
        tag = "#" + word.lstrip("#")
        if len(tag) > 1:
            seen.setdefault(tag, None)
    return list(seen)


def delete_snippet(session: Session, snippet: Snippet) -> None:
    """Remove a snippet."""
    session.delete(snippet)
    session.flush()
