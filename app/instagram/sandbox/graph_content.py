"""Sandbox handlers: profile, media, stories and comments."""

from __future__ import annotations

from typing import Any

from app.instagram.sandbox.common import (
    GraphError,
    absolute,
    paginate,
    params,
    parse_fields,
    require_scope,
    select,
)
from app.instagram.sandbox.state import Comment, Media, SandboxState, Token, iso

PROFILE_DEFAULT = ("id",)
MEDIA_DEFAULT = ("id",)
COMMENT_DEFAULT = ("timestamp", "text", "id")


def render_profile(st: SandboxState, ig_id: str) -> dict[str, Any]:
    """Every field the sandbox knows for an account node."""
    acc = st.accounts[ig_id]
    return {
        "id": acc.app_scoped_id,
        "user_id": acc.ig_id,
        "username": acc.username,
        "name": acc.name,
        "account_type": acc.account_type,
        "profile_picture_url": absolute(f"/_cdn/avatar-{acc.ig_id}.jpg"),
        "followers_count": st.followers_on(acc, st.day()),
        "follows_count": acc.follows_count,
        "media_count": sum(
            1
            for m in st.media.values()
            if m.owner == ig_id and not m.is_child and m.product_type != "STORY"
        ),
        # Not in the Instagram-Login field table (UNCONFIRMED): served anyway.
        "biography": acc.biography,
    }


def get_profile(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /me or /<IG_ID>."""
    return select(render_profile(st, node), parse_fields(params().get("fields")), PROFILE_DEFAULT)


def comments_count(st: SandboxState, media_id: str) -> int:
    """Comments including replies, as Meta counts them."""
    return sum(1 for c in st.comments.values() if c.media_id == media_id)


def render_media(st: SandboxState, media: Media, fields: dict) -> dict[str, Any]:
    """A media node with its requested fields and expanded edges."""
    owner = st.accounts[media.owner]
    node: dict[str, Any] = {
        "id": media.id,
        "media_type": media.media_type,
        "media_url": absolute(media.media_url),
        "timestamp": iso(media.timestamp),
        "username": owner.username,
        "owner": {"id": owner.ig_id},
    }
    if not media.is_child:
        node.update(
            caption=media.caption,
            media_product_type=media.product_type,
            permalink=f"https://www.instagram.com/p/{media.shortcode}/",
            shortcode=media.shortcode,
            like_count=media.like_count,
            comments_count=comments_count(st, media.id),
            is_comment_enabled=True,
        )
    if media.thumbnail_url:
        node["thumbnail_url"] = absolute(media.thumbnail_url)
    if media.product_type == "REELS":
        node["is_shared_to_feed"] = True
    if "children" in fields and media.children:
        sub = fields["children"] or {}
        node["children"] = {"data": [render_media(st, st.media[c], sub) for c in media.children]}
    if "comments" in fields:
        sub = fields["comments"] or {}
        node["comments"] = {
            "data": [render_comment(st, c, sub) for c in top_comments(st, media.id)]
        }
    return select(node, fields, MEDIA_DEFAULT)


def _own_media(st: SandboxState, owner: str, product: str | None) -> list[Media]:
    items = [
        m
        for m in st.media.values()
        if m.owner == owner
        and not m.is_child
        and ((m.product_type == "STORY") == (product == "STORY"))
    ]
    args = params()
    since, until = args.get("since"), args.get("until")
    if since:
        items = [m for m in items if m.timestamp >= float(since)]
    if until:
        items = [m for m in items if m.timestamp <= float(until)]
    return sorted(items, key=lambda m: m.timestamp, reverse=True)[:10000]


def list_media(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<IG_ID>/media: newest first, Stories excluded, cursor paging."""
    fields = parse_fields(params().get("fields"))
    chunk, paging = paginate(_own_media(st, node, None), 25, 100)
    data = [render_media(st, m, fields) for m in chunk]
    return {"data": data, "paging": paging} if paging else {"data": data}


def list_stories(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<IG_ID>/stories: Stories of the last 24 hours."""
    fields = parse_fields(params().get("fields"))
    fresh = [m for m in _own_media(st, node, "STORY") if m.timestamp > st.now() - 86400]
    return {"data": [render_media(st, m, fields) for m in fresh]}


def get_media(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<MEDIA_ID>."""
    return render_media(st, st.media[node], parse_fields(params().get("fields")))


def get_children(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<MEDIA_ID>/children."""
    fields = parse_fields(params().get("fields"))
    return {"data": [render_media(st, st.media[c], fields) for c in st.media[node].children]}


def top_comments(st: SandboxState, media_id: str) -> list[Comment]:
    """Top-level comments, newest first (Meta's order since v3.2)."""
    items = [c for c in st.comments.values() if c.media_id == media_id and not c.parent_id]
    return sorted(items, key=lambda c: c.timestamp, reverse=True)


def _replies(st: SandboxState, comment_id: str) -> list[Comment]:
    items = [c for c in st.comments.values() if c.parent_id == comment_id]
    return sorted(items, key=lambda c: c.timestamp)


def render_comment(st: SandboxState, comment: Comment, fields: dict) -> dict[str, Any]:
    """A comment node; `replies{...}` is expanded on request."""
    media = st.media[comment.media_id]
    node: dict[str, Any] = {
        "id": comment.id,
        "text": comment.text,
        "timestamp": iso(comment.timestamp),
        "username": comment.username,
        "like_count": comment.like_count,
        "hidden": comment.hidden,
        "parent_id": comment.parent_id,
        "from": {"id": comment.author_id, "username": comment.username},
        "media": {"id": media.id, "media_product_type": media.product_type},
    }
    if "replies" in fields:
        sub = fields["replies"] or {}
        node["replies"] = {"data": [render_comment(st, r, sub) for r in _replies(st, comment.id)]}
    return select(node, fields, COMMENT_DEFAULT)


def list_comments(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<MEDIA_ID>/comments: top level only, max 50 per page."""
    require_scope(token, "instagram_business_manage_comments")
    fields = parse_fields(params().get("fields"))
    chunk, paging = paginate(top_comments(st, node), 50, 50)
    data = [render_comment(st, c, fields) for c in chunk]
    return {"data": data, "paging": paging} if paging else {"data": data}


def list_replies(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<COMMENT_ID>/replies."""
    require_scope(token, "instagram_business_manage_comments")
    fields = parse_fields(params().get("fields"))
    chunk, paging = paginate(_replies(st, node), 50, 50)
    data = [render_comment(st, c, fields) for c in chunk]
    return {"data": data, "paging": paging} if paging else {"data": data}


def _message_param() -> str:
    message = str(params().get("message") or "").strip()
    if not message:
        raise GraphError(100, "(#100) The parameter message is required")
    return message


def _own_comment(st: SandboxState, token: Token, media_id: str, parent: str | None):
    acc = st.accounts[token.ig_id]
    comment = Comment(
        id=st.next_id(),
        media_id=media_id,
        author_id=acc.ig_id,
        username=acc.username,
        text=_message_param(),
        timestamp=st.now(),
        parent_id=parent,
    )
    st.comments[comment.id] = comment
    return {"id": comment.id}


def create_comment(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<MEDIA_ID>/comments?message=..."""
    require_scope(token, "instagram_business_manage_comments")
    return _own_comment(st, token, node, None)


def create_reply(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<COMMENT_ID>/replies?message=... (replies attach to the top comment)."""
    require_scope(token, "instagram_business_manage_comments")
    parent = st.comments[node]
    return _own_comment(st, token, parent.media_id, parent.parent_id or parent.id)


def get_comment(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<COMMENT_ID>."""
    require_scope(token, "instagram_business_manage_comments")
    return render_comment(st, st.comments[node], parse_fields(params().get("fields")))


def hide_comment(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<COMMENT_ID>?hide=true|false."""
    require_scope(token, "instagram_business_manage_comments")
    raw = str(params().get("hide", "")).lower()
    if raw not in ("true", "false", "1", "0"):
        raise GraphError(100, "(#100) The parameter hide is required")
    comment = st.comments[node]
    # The media owner's own comments always stay visible.
    if comment.author_id != token.ig_id:
        comment.hidden = raw in ("true", "1")
    return {"success": True}


def delete_comment(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """DELETE /<COMMENT_ID> (and its replies)."""
    require_scope(token, "instagram_business_manage_comments")
    for cid in [c.id for c in st.comments.values() if c.parent_id == node] + [node]:
        st.comments.pop(cid, None)
    return {"success": True}
