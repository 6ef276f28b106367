"""Sandbox content publishing: real media fetches, containers, quota (§4)."""

from __future__ import annotations

from typing import Any

from app.instagram.sandbox.common import GraphError, params, require_scope
from app.instagram.sandbox.media_checks import caption_checked, check_image, check_video
from app.instagram.sandbox.state import Container, Media, SandboxState, Token

STATUS_TEXT = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
}


def _bool(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


def create_container(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<IG_ID>/media; called WITHOUT the lock because it fetches media."""
    require_scope(token, "instagram_business_content_publish")
    args = params()
    media_type = str(args.get("media_type") or "").upper()
    item = _bool(args.get("is_carousel_item"))
    timeout = st.config["media_fetch_timeout"]
    ready = st.now()
    error = None
    children: list[str] = []
    user_tags = args.get("user_tags") or []
    if isinstance(user_tags, list) and len(user_tags) > 20:
        raise GraphError(100, "(#100) Too many tags", subcode=2207040)
    caption = None if item else caption_checked(args.get("caption"))
    if media_type == "CAROUSEL":
        children = _carousel_children(st, node, args.get("children"))
        kind, url = "CAROUSEL", None
    elif media_type in ("REELS", "STORIES") or (media_type == "VIDEO" and item):
        kind = media_type
        url = (
            args.get("video_url")
            if media_type != "STORIES"
            else (args.get("video_url") or args.get("image_url"))
        )
        if not url:
            raise GraphError(100, "(#100) The parameter video_url is required")
        if media_type == "STORIES" and not args.get("video_url"):
            check_image(url, feed=False, timeout=timeout)
            kind = "STORIES_IMAGE"
        else:
            error = check_video(url, "STORIES" if kind == "STORIES" else kind, timeout)
            ready += float(st.config["video_processing_seconds"])
    elif media_type in ("", "IMAGE"):
        url = args.get("image_url")
        if not url:
            raise GraphError(100, "(#100) The parameter image_url is required")
        check_image(url, feed=True, timeout=timeout)
        kind = "IMAGE"
    else:
        raise GraphError(
            100, f"(#100) The media type {media_type} is not supported", subcode=2207023
        )
    with st.lock:
        container = Container(
            id=st.next_id(),
            owner=node,
            kind=kind,
            created=st.now(),
            params={"caption": caption},
            ready_at=ready,
            is_carousel_item=item,
            children=children,
            error=error,
            media_url=url,
        )
        st.containers[container.id] = container
    return {"id": container.id}


def _carousel_children(st: SandboxState, owner: str, raw: Any) -> list[str]:
    ids = raw if isinstance(raw, list) else str(raw or "").split(",")
    ids = [str(i).strip() for i in ids if str(i).strip()]
    if not 2 <= len(ids) <= 10:
        raise GraphError(
            100,
            "(#100) Carousels need 2 to 10 items",
            subcode=2207028,
            user_title="Invalid number of carousel items",
        )
    with st.lock:
        for cid in ids:
            child = st.containers.get(cid)
            if child is None or child.owner != owner or not child.is_carousel_item:
                raise GraphError(100, f"(#100) Invalid carousel item {cid}", subcode=2207006)
            if status_code(st, child) != "FINISHED":
                raise GraphError(
                    9007,
                    "(#9007) The media is not ready for publishing, please wait for a moment",
                    subcode=2207027,
                )
    return ids


def status_code(st: SandboxState, c: Container) -> str:
    """Derived container state at sandbox time."""
    if c.published_media_id:
        return "PUBLISHED"
    if c.error:
        return "ERROR"
    if st.now() > c.created + st.config["container_ttl"]:
        return "EXPIRED"
    return "IN_PROGRESS" if st.now() < c.ready_at else "FINISHED"


def get_container(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<CONTAINER_ID>?fields=status_code,status."""
    c = st.containers[node]
    code = status_code(st, c)
    text = STATUS_TEXT.get(code) or f"Error: Media processing failed ({c.error})."
    out = {"id": c.id, "status_code": code, "status": text}
    wanted = [f.strip() for f in str(params().get("fields") or "status_code").split(",")]
    return {k: v for k, v in out.items() if k in wanted or k == "id"}


def publish(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """POST /<IG_ID>/media_publish?creation_id=..."""
    require_scope(token, "instagram_business_content_publish")
    cid = str(params().get("creation_id") or "")
    c = st.containers.get(cid)
    if c is None or c.owner != node:
        raise GraphError(24, "The media with id could not be found", subcode=2207006)
    st.publish_calls[cid] = st.publish_calls.get(cid, 0) + 1
    code = status_code(st, c)
    if code == "EXPIRED":
        raise GraphError(
            -2, "The container has expired", subcode=2207020, status=400, user_title="Media expired"
        )
    if code == "ERROR":
        ecode, esub = (int(x) for x in str(c.error).split(":"))
        raise GraphError(ecode, f"(#{ecode}) Media processing failed", subcode=esub)
    if code == "IN_PROGRESS":
        raise GraphError(
            9007,
            "(#9007) The media is not ready for publishing, please wait for a moment",
            subcode=2207027,
            user_title="Media not ready",
            user_msg="Media ID is not available",
        )
    if code == "PUBLISHED" or c.is_carousel_item:
        raise GraphError(100, "(#100) This container cannot be published")
    if st.publishes_in_window(node) >= int(st.config["quota_total"]):
        raise GraphError(
            9,
            "Application request limit reached",
            subcode=2207042,
            user_title="Publishing limit reached",
            user_msg="You reached the maximum number of posts allowed in 24 hours.",
        )
    media = _media_from(st, c)
    c.published_media_id = media.id
    st.publishes.setdefault(node, []).append(st.now())
    return {"id": media.id}


def _media_from(st: SandboxState, c: Container) -> Media:
    media_type, product = {
        "IMAGE": ("IMAGE", "FEED"),
        "REELS": ("VIDEO", "REELS"),
        "STORIES": ("VIDEO", "STORY"),
        "STORIES_IMAGE": ("IMAGE", "STORY"),
        "CAROUSEL": ("CAROUSEL_ALBUM", "FEED"),
        "VIDEO": ("VIDEO", "FEED"),
    }[c.kind]
    media = Media(
        id=st.next_id(),
        owner=c.owner,
        media_type=media_type,
        product_type=product,
        caption=c.params.get("caption"),
        media_url=c.media_url or "",
        timestamp=st.now(),
        like_count=0,
        shortcode=f"SBX{st.next_id()[-8:]}",
        reach=0 if product == "STORY" else 1,
    )
    for child_id in c.children:
        child = st.containers[child_id]
        child_media = _media_from(st, child)
        child_media.is_child = True
        child_media.product_type = "FEED"
        child.published_media_id = child_media.id
        media.children.append(child_media.id)
        if not media.media_url:
            media.media_url = child_media.media_url
    st.media[media.id] = media
    return media


def publishing_limit(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<IG_ID>/content_publishing_limit?fields=quota_usage,config."""
    args = params()
    since = float(args["since"]) if args.get("since") else None
    fields = [f.strip() for f in str(args.get("fields") or "quota_usage").split(",")]
    row: dict[str, Any] = {}
    if "quota_usage" in fields:
        row["quota_usage"] = st.publishes_in_window(node, since)
    if "config" in fields:
        row["config"] = {
            "quota_total": int(st.config["quota_total"]),
            "quota_duration": int(st.config["quota_duration"]),
        }
    return {"data": [row]}
