"""Profile, media and comment operations (fact sheet §2, §3, §5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.instagram.transport import Transport, page_from
from app.instagram.types import Page, Profile

PROFILE_FIELDS = (
    "user_id,username,name,account_type,profile_picture_url,"
    "followers_count,follows_count,media_count"
)
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,"
    "timestamp,like_count,comments_count,shortcode,username"
)
COMMENT_FIELDS = (
    "id,text,timestamp,username,like_count,hidden,parent_id,from,"
    "replies{id,text,timestamp,username,hidden,parent_id,from}"
)


def _uid(ig_user_id: str) -> str | None:
    return None if ig_user_id == "me" else ig_user_id


def _profile(payload: dict[str, Any]) -> Profile:
    # The doc sample wraps the node in data:[...]; real answers are flat.
    if isinstance(payload.get("data"), list) and payload["data"]:
        payload = payload["data"][0]
    account_type = payload.get("account_type")

    def count(name: str) -> int | None:
        value = payload.get(name)
        return int(value) if value is not None else None

    return Profile(
        user_id=str(payload.get("user_id") or payload.get("id") or ""),
        id=str(payload["id"]) if payload.get("id") is not None else None,
        username=str(payload.get("username") or ""),
        name=payload.get("name"),
        # Docs say Business/Media_Creator, a fixture shows BUSINESS: normalise.
        account_type=str(account_type).upper() if account_type else None,
        profile_picture_url=payload.get("profile_picture_url"),
        followers_count=count("followers_count"),
        follows_count=count("follows_count"),
        media_count=count("media_count"),
        biography=payload.get("biography"),
        website=payload.get("website"),
        raw=payload,
    )


class ContentMixin(Transport):
    """Read the account, its media and moderate comments."""

    def get_profile(
        self, access_token: str, *, ig_user_id: str = "me", fields: str = PROFILE_FIELDS
    ) -> Profile:
        """Fetch the professional account behind the token."""
        payload = self.graph(
            "GET",
            ig_user_id,
            access_token,
            params={"fields": fields},
            ig_user_id=_uid(ig_user_id),
        )
        return _profile(payload)

    def list_media(
        self,
        access_token: str,
        *,
        ig_user_id: str = "me",
        fields: str = MEDIA_FIELDS,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Page:
        """One page of the account's media (newest first; Stories excluded)."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/media",
            access_token,
            params={
                "fields": fields,
                "limit": limit,
                "after": after,
                "before": before,
                "since": since,
                "until": until,
            },
            ig_user_id=_uid(ig_user_id),
        )
        return page_from(payload)

    def iter_media(
        self, access_token: str, *, ig_user_id: str = "me", **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield every media item, following `after` cursors."""
        after = None
        while True:
            page = self.list_media(access_token, ig_user_id=ig_user_id, after=after, **kwargs)
            yield from page.data
            if not page.has_next or not page.after:
                return
            after = page.after

    def list_stories(
        self, access_token: str, *, ig_user_id: str = "me", fields: str = MEDIA_FIELDS
    ) -> Page:
        """Current Stories of the account."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/stories",
            access_token,
            params={"fields": fields},
            ig_user_id=_uid(ig_user_id),
        )
        return page_from(payload)

    def get_media(
        self, access_token: str, media_id: str, *, fields: str = MEDIA_FIELDS
    ) -> dict[str, Any]:
        """One media object."""
        return self.graph("GET", media_id, access_token, params={"fields": fields})

    def list_comments(
        self,
        access_token: str,
        media_id: str,
        *,
        fields: str = COMMENT_FIELDS,
        limit: int | None = None,
        after: str | None = None,
    ) -> Page:
        """Top-level comments of a media item (max 50 per page), replies expanded."""
        payload = self.graph(
            "GET",
            f"{media_id}/comments",
            access_token,
            params={"fields": fields, "limit": limit, "after": after},
        )
        return page_from(payload)

    def list_replies(
        self,
        access_token: str,
        comment_id: str,
        *,
        fields: str = "id,text,timestamp,username,from,parent_id,hidden",
        after: str | None = None,
    ) -> Page:
        """Replies to one comment."""
        payload = self.graph(
            "GET",
            f"{comment_id}/replies",
            access_token,
            params={"fields": fields, "after": after},
        )
        return page_from(payload)

    def get_comment(
        self, access_token: str, comment_id: str, *, fields: str = COMMENT_FIELDS
    ) -> dict[str, Any]:
        """One comment."""
        return self.graph("GET", comment_id, access_token, params={"fields": fields})

    def reply_to_comment(self, access_token: str, comment_id: str, *, message: str) -> str:
        """Publicly reply to a comment; return the new comment id."""
        payload = self.graph(
            "POST", f"{comment_id}/replies", access_token, data={"message": message}
        )
        return str(payload["id"])

    def create_comment(self, access_token: str, media_id: str, *, message: str) -> str:
        """Post a top-level comment on a media item; return its id."""
        payload = self.graph(
            "POST", f"{media_id}/comments", access_token, data={"message": message}
        )
        return str(payload["id"])

    def set_comment_hidden(self, access_token: str, comment_id: str, *, hidden: bool) -> bool:
        """Hide or unhide a comment."""
        payload = self.graph(
            "POST",
            comment_id,
            access_token,
            data={"hide": "true" if hidden else "false"},
        )
        return bool(payload.get("success"))

    def delete_comment(self, access_token: str, comment_id: str) -> bool:
        """Delete a comment on one of the account's media."""
        payload = self.graph("DELETE", comment_id, access_token)
        return bool(payload.get("success"))
