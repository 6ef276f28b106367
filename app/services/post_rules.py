"""Rules a post must meet before it is queued: caption limits and media per type (§4)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.models.media import MediaItem, MediaKind
from app.models.post import PostType

CAPTION_MAX = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20
CAROUSEL_MIN, CAROUSEL_MAX = 2, 10


class PostError(Exception):
    """A post was refused; `code` maps to a translated text in app.web.post_messages."""

    def __init__(self, code: str, field: str | None = None, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params or {}


def validate_caption(text: str | None) -> list[str]:
    """Problem codes of a caption: caption_too_long, too_many_hashtags, too_many_mentions."""
    text = text or ""
    problems = []
    if len(text) > CAPTION_MAX:
        problems.append("caption_too_long")
    if len(re.findall(r"#\w", text)) > HASHTAGS_MAX:
        problems.append("too_many_hashtags")
    if len(re.findall(r"@\w", text)) > MENTIONS_MAX:
        problems.append("too_many_mentions")
    return problems


def check_media_rules(ptype: PostType, items: Sequence[MediaItem]) -> None:
    """Raise PostError unless the media fit the post type."""
    kinds = [item.kind for item in items]
    if ptype is PostType.IMAGE:
        if len(items) != 1 or kinds[0] != MediaKind.IMAGE.value:
            raise PostError("image_needs_one_image", "media_ids")
    elif ptype is PostType.CAROUSEL:
        if not CAROUSEL_MIN <= len(items) <= CAROUSEL_MAX:
            raise PostError("carousel_count", "media_ids")
    elif ptype is PostType.REEL:
        if len(items) != 1 or kinds[0] != MediaKind.VIDEO.value:
            raise PostError("reel_needs_one_video", "media_ids")
    elif ptype is PostType.STORY:
        if len(items) != 1:
            raise PostError("story_needs_one_media", "media_ids")
