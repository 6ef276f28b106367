"""Content publishing: containers, status, publish, quota (fact sheet §4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.instagram.transport import Transport
from app.instagram.types import ContainerStatus, PublishingLimit


def _uid(ig_user_id: str) -> str | None:
    return None if ig_user_id == "me" else ig_user_id


class PublishingMixin(Transport):
    """Create containers, wait for them, publish them."""

    def _create_container(self, access_token: str, ig_user_id: str, params: dict[str, Any]) -> str:
        body = {k: v for k, v in params.items() if v is not None}
        payload = self.graph(
            "POST",
            f"{ig_user_id}/media",
            access_token,
            json_body=body,
            ig_user_id=_uid(ig_user_id),
        )
        return str(payload["id"])

    def create_image_container(
        self,
        access_token: str,
        *,
        image_url: str,
        caption: str | None = None,
        alt_text: str | None = None,
        location_id: str | None = None,
        user_tags: list[dict[str, Any]] | None = None,
        ig_user_id: str = "me",
    ) -> str:
        """Container for a single feed image (JPEG, fetchable by Meta)."""
        return self._create_container(
            access_token,
            ig_user_id,
            {
                "image_url": image_url,
                "caption": caption,
                "alt_text": alt_text,
                "location_id": location_id,
                "user_tags": user_tags,
            },
        )

    def create_carousel_item(
        self,
        access_token: str,
        *,
        image_url: str | None = None,
        video_url: str | None = None,
        ig_user_id: str = "me",
    ) -> str:
        """Container for one carousel child (image, or video via media_type=VIDEO)."""
        params: dict[str, Any] = {"is_carousel_item": True}
        if video_url is not None:
            params.update(media_type="VIDEO", video_url=video_url)
        else:
            params["image_url"] = image_url
        return self._create_container(access_token, ig_user_id, params)

    def create_carousel_container(
        self,
        access_token: str,
        *,
        children: Iterable[str],
        caption: str | None = None,
        location_id: str | None = None,
        ig_user_id: str = "me",
    ) -> str:
        """Carousel container from 2-10 finished child containers."""
        return self._create_container(
            access_token,
            ig_user_id,
            {
                "media_type": "CAROUSEL",
                "children": ",".join(children),
                "caption": caption,
                "location_id": location_id,
            },
        )

    def create_reel_container(
        self,
        access_token: str,
        *,
        video_url: str,
        caption: str | None = None,
        share_to_feed: bool | None = None,
        cover_url: str | None = None,
        thumb_offset: int | None = None,
        ig_user_id: str = "me",
    ) -> str:
        """Reel container; video processing is asynchronous."""
        return self._create_container(
            access_token,
            ig_user_id,
            {
                "media_type": "REELS",
                "video_url": video_url,
                "caption": caption,
                "share_to_feed": share_to_feed,
                "cover_url": cover_url,
                "thumb_offset": thumb_offset,
            },
        )

    def create_story_container(
        self,
        access_token: str,
        *,
        image_url: str | None = None,
        video_url: str | None = None,
        ig_user_id: str = "me",
    ) -> str:
        """Story container from one image or one video."""
        return self._create_container(
            access_token,
            ig_user_id,
            {"media_type": "STORIES", "image_url": image_url, "video_url": video_url},
        )

    def get_container_status(self, access_token: str, container_id: str) -> ContainerStatus:
        """Status of a container (poll about once a minute, ≤ 5 minutes)."""
        payload = self.graph(
            "GET", container_id, access_token, params={"fields": "status_code,status"}
        )
        return ContainerStatus(
            id=str(payload.get("id", container_id)),
            status_code=str(payload.get("status_code", "")),
            status=payload.get("status"),
        )

    def publish_container(
        self, access_token: str, *, creation_id: str, ig_user_id: str = "me"
    ) -> str:
        """Publish a FINISHED container; return the new media id."""
        payload = self.graph(
            "POST",
            f"{ig_user_id}/media_publish",
            access_token,
            data={"creation_id": creation_id},
            ig_user_id=_uid(ig_user_id),
        )
        return str(payload["id"])

    def get_publishing_limit(
        self, access_token: str, *, ig_user_id: str = "me", since: int | None = None
    ) -> PublishingLimit:
        """Posts used and the quota in force (read it; the number varies in docs)."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/content_publishing_limit",
            access_token,
            params={"fields": "quota_usage,config", "since": since},
            ig_user_id=_uid(ig_user_id),
        )
        rows = payload.get("data") or [{}]
        row = rows[0] if rows else {}
        config = row.get("config") or {}
        total = config.get("quota_total")
        duration = config.get("quota_duration")
        return PublishingLimit(
            quota_usage=int(row.get("quota_usage") or 0),
            quota_total=int(total) if total is not None else None,
            quota_duration=int(duration) if duration is not None else None,
        )
