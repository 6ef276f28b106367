"""Plain data returned by the Instagram client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TokenResult:
    """An access token with what Meta told us about it (repr hides the token)."""

    access_token: str = field(repr=False)
    user_id: str | None = None
    permissions: tuple[str, ...] = ()
    token_type: str | None = None
    expires_in: int | None = None


@dataclass(frozen=True)
class Profile:
    """The professional account behind a token (`/me`)."""

    user_id: str  # IG_ID: matches webhook entry.id; use as the account key
    id: str | None  # app-scoped id, differs from user_id
    username: str
    name: str | None = None
    account_type: str | None = None  # normalised upper case: BUSINESS / MEDIA_CREATOR
    profile_picture_url: str | None = None
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None
    biography: str | None = None
    website: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Page:
    """One page of a Graph edge; cursors instead of token-bearing next URLs."""

    data: list[dict[str, Any]]
    before: str | None = None
    after: str | None = None
    has_next: bool = False
    has_previous: bool = False


@dataclass(frozen=True)
class ContainerStatus:
    """Publishing container state (`status_code` is EXPIRED/ERROR/FINISHED/...)."""

    id: str
    status_code: str
    status: str | None = None

    @property
    def is_finished(self) -> bool:
        """Ready for media_publish."""
        return self.status_code == "FINISHED"


@dataclass(frozen=True)
class PublishingLimit:
    """content_publishing_limit: posts used and allowed in the rolling window."""

    quota_usage: int
    quota_total: int | None
    quota_duration: int | None


@dataclass(frozen=True)
class SendResult:
    """Send API answer."""

    recipient_id: str
    message_id: str
