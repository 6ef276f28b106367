"""The Graph calls of the publishing worker, each taking the Runner of one post."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.models.media import MediaKind
from app.models.post import Post, PostMedia, PostType
from app.services.post_media import public_url

RECONCILE_SLACK = timedelta(minutes=5)


def token_of(settings, account) -> str | None:
    from app.services.crypto import TokenCryptoError
    from app.services.instagram import read_token

    try:
        return read_token(settings, account)
    except TokenCryptoError:
        return None


def _create(r, params: dict[str, Any]) -> str:
    post: Post = r.post
    if post.collaborators and not params.get("is_carousel_item"):
        params["collaborators"] = list(post.collaborators)
    return r.pub.client()._create_container(r.token, r.account.ig_user_id, params)


def _url(r, pm: PostMedia) -> str:
    return public_url(r.settings, pm.item)


def create_child(r, pm: PostMedia) -> str:
    """A carousel item container."""
    if pm.item.kind == MediaKind.VIDEO.value:
        return _create(
            r, {"is_carousel_item": True, "media_type": "VIDEO", "video_url": _url(r, pm)}
        )
    return _create(r, {"is_carousel_item": True, "image_url": _url(r, pm)})


def create_main_container(r) -> str:
    """The container that media_publish is sent for."""
    post: Post = r.post
    first = post.media[0]
    caption = post.caption or None
    if post.type == PostType.IMAGE.value:
        return _create(
            r, {"image_url": _url(r, first), "caption": caption, "alt_text": first.alt_text or None}
        )
    if post.type == PostType.CAROUSEL.value:
        return _create(
            r,
            {
                "media_type": "CAROUSEL",
                "caption": caption,
                "children": ",".join(pm.container_id for pm in post.media),
            },
        )
    if post.type == PostType.REEL.value:
        cover = None
        if post.cover_media_id:
            from app.models.media import MediaItem

            item = r.s.get(MediaItem, post.cover_media_id)
            cover = public_url(r.settings, item) if item is not None else None
        return _create(
            r,
            {
                "media_type": "REELS",
                "video_url": _url(r, first),
                "caption": caption,
                "share_to_feed": bool(post.share_to_feed),
                "cover_url": cover,
                "thumb_offset": None if cover else post.thumb_offset_ms,
            },
        )
    key = "video_url" if first.item.kind == MediaKind.VIDEO.value else "image_url"
    return r.pub.client()._create_container(
        r.token, r.account.ig_user_id, {"media_type": "STORIES", key: _url(r, first)}
    )


def container_status(r, container_id: str) -> str:
    status = r.pub.client().get_container_status(r.token, container_id)
    r.log(
        "status", "info", message_key=status.status_code.lower()[:64] or None, detail=status.status
    )
    return status.status_code or "IN_PROGRESS"


def publish(r) -> str:
    return r.pub.client().publish_container(
        r.token, creation_id=r.post.container_id, ig_user_id=r.account.ig_user_id
    )


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z",):
        try:
            return datetime.strptime(ts, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(ts)
    except ValueError:
        return None


def find_published(r) -> tuple[str, str | None] | None:
    """(media id, permalink) of the post's media among the account's recent media, or None.

    Used only when a container reports PUBLISHED but Kezek never stored the media id (the
    worker died between media_publish and its commit): the oldest media that was created
    after the publish attempt started, matches the caption and type, and belongs to no other
    post is the one.
    """
    from sqlalchemy import select

    post: Post = r.post
    client = r.pub.client()
    fields = "id,caption,timestamp,media_type,media_product_type,permalink"
    if post.type == PostType.STORY.value:
        page = client.list_stories(r.token, ig_user_id=r.account.ig_user_id, fields=fields)
    else:
        page = client.list_media(r.token, ig_user_id=r.account.ig_user_id, fields=fields, limit=25)
    taken = set(
        r.s.scalars(
            select(Post.ig_media_id).where(
                Post.account_id == post.account_id,
                Post.ig_media_id.is_not(None),
                Post.id != post.id,
            )
        )
    )
    since = (post.publish_started_at or post.created_at) - RECONCILE_SLACK
    candidates = []
    for item in page.data:
        mid = str(item.get("id"))
        when = _parse(item.get("timestamp"))
        if mid in taken or (when is not None and when < since):
            continue
        if post.type != PostType.STORY.value and (item.get("caption") or "") != (
            post.caption or ""
        ):
            continue
        if post.type == PostType.CAROUSEL.value and item.get("media_type") != "CAROUSEL_ALBUM":
            continue
        candidates.append((when or since, mid, item.get("permalink")))
    if not candidates:
        return None
    candidates.sort()
    return candidates[0][1], candidates[0][2]


def request_permalink(r) -> None:
    """Ask for the account's media sync (new media for the dashboard; it also fills the
    permalink when the lookup after publishing is off or failed, see publisher_permalink)."""
    account = r.account
    if r.post.permalink is None and account.sync_requested_at is None:
        account.sync_requested_at = r.now() + timedelta(seconds=20)


def comment(r) -> str:
    return r.pub.client().create_comment(r.token, r.post.ig_media_id, message=r.post.first_comment)


def existing_comment(r) -> str | None:
    """The first comment if a previous run already posted it (resume after a crash)."""
    page = r.pub.client().list_comments(r.token, r.post.ig_media_id)
    for item in page.data:
        author = item.get("from") or {}
        mine = author.get("id") == r.account.ig_user_id or (
            item.get("username") == r.account.username
        )
        if mine and (item.get("text") or "") == r.post.first_comment:
            return str(item.get("id"))
    return None
