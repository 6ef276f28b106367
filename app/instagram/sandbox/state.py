"""In-memory, lock-protected state of the Instagram sandbox."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "app_id": "1234567890",
    "app_secret": "sandbox-app-secret",
    "redirect_uris": None,  # None = accept any redirect_uri
    "webhook_url": None,
    "webhook_secret": None,  # defaults to app_secret
    "webhooks_require_subscription": True,
    "comments_webhook_shape": "changes",  # or "flat" (fact sheet §8.3 variant)
    "code_exchange_shape": "wrapped",  # or "flat" (fact sheet §1.2 variant)
    "video_processing_seconds": 5.0,
    "quota_total": 100,
    "quota_duration": 86400,
    "container_ttl": 86400,
    "seed": 42,
    "code_ttl": 3600,
    "short_token_ttl": 3600,
    "access_token_ttl": 60 * 24 * 3600,
    "refresh_min_age": 24 * 3600,
    "media_fetch_timeout": 10.0,
    "hourly_call_limit": None,  # natural BUC throttling when set (calls / hour)
    "demographics_min_followers": 100,  # fewer followers: demographics answer an empty set
    "extra_accounts": 0,  # more empty demo accounts 17841400000001001... (benchmarks)
}

SCOPES = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
)


def iso(ts: float) -> str:
    """Graph timestamp format, e.g. 2019-09-26T22:36:43+0000."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def new_token() -> str:
    """Opaque token; the prefix keeps secret scanners from mistaking it for Meta's."""
    return "SBX." + secrets.token_urlsafe(32)


@dataclass
class Account:
    ig_id: str
    app_scoped_id: str
    username: str
    name: str
    account_type: str
    biography: str
    followers_base: int
    follows_count: int
    created_day: int


@dataclass
class Customer:
    igsid: str
    username: str
    name: str


@dataclass
class Token:
    value: str
    ig_id: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    long_lived: bool


@dataclass
class AuthCode:
    value: str
    ig_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    expires_at: float


@dataclass
class Media:
    id: str
    owner: str
    media_type: str  # IMAGE / VIDEO / CAROUSEL_ALBUM
    product_type: str  # FEED / REELS / STORY
    caption: str | None
    media_url: str
    timestamp: float
    like_count: int
    shortcode: str
    thumbnail_url: str | None = None
    children: list[str] = field(default_factory=list)
    is_child: bool = False
    reach: int = 0
    views: int = 0
    saved: int = 0
    shares: int = 0


@dataclass
class Comment:
    id: str
    media_id: str
    author_id: str  # IGSID, or the account's IG_ID for its own replies
    username: str
    text: str
    timestamp: float
    parent_id: str | None = None
    hidden: bool = False
    like_count: int = 0
    private_replied: bool = False


@dataclass
class Message:
    id: str
    conversation_id: str
    sender_id: str
    recipient_id: str
    text: str | None
    created: float
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    ig_id: str
    customer_id: str
    message_ids: list[str] = field(default_factory=list)
    updated: float = 0.0
    last_customer_message: float | None = None


@dataclass
class Container:
    id: str
    owner: str
    kind: str  # IMAGE / VIDEO / REELS / STORIES / CAROUSEL
    created: float
    params: dict[str, Any]
    ready_at: float
    is_carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    error: str | None = None
    published_media_id: str | None = None
    media_url: str | None = None


class SandboxState:
    """Everything the sandbox knows; callers hold `lock` while touching it."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self._next = 17_900_000_000_000_000
        self.accounts: dict[str, Account] = {}
        self.customers: dict[str, Customer] = {}
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, AuthCode] = {}
        self.media: dict[str, Media] = {}
        self.comments: dict[str, Comment] = {}
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, Message] = {}
        self.containers: dict[str, Container] = {}
        self.publishes: dict[str, list[float]] = {}
        # media_publish calls per container id (every call, refused ones included).
        self.publish_calls: dict[str, int] = {}
        self.subscriptions: dict[str, list[str]] = {}
        self.calls: dict[str, list[float]] = {}
        self.webhook_log: list[dict[str, Any]] = []
        self.faults: list[Any] = []

    def now(self) -> float:
        """Sandbox time: wall clock plus the test-controlled offset."""
        return time.time() + self.clock_offset

    def day(self, ts: float | None = None) -> int:
        """Day number (UTC) of a sandbox timestamp."""
        return int((self.now() if ts is None else ts) // 86400)

    def next_id(self) -> str:
        """A fresh numeric id above 2^53, like Meta's."""
        self._next += 1
        return str(self._next)

    def node_kind(self, node_id: str) -> str | None:
        """What an id in a path refers to."""
        for kind, table in (
            ("account", self.accounts),
            ("media", self.media),
            ("comment", self.comments),
            ("container", self.containers),
            ("conversation", self.conversations),
            ("message", self.messages),
        ):
            if node_id in table:
                return kind
        return None

    def followers_on(self, account: Account, day: int) -> int:
        """Deterministic follower count for a day: steady growth plus daily noise."""
        elapsed = max(0, day - account.created_day)
        noise = (int(account.ig_id[-4:]) * 7919 + day * 104729) % 23 - 11
        return max(0, account.followers_base + elapsed * 12 + noise)

    def publishes_in_window(self, ig_id: str, since: float | None = None) -> int:
        """Published posts within the rolling quota window."""
        start = self.now() - self.config["quota_duration"]
        if since is not None:
            start = max(start, since)
        return sum(1 for t in self.publishes.get(ig_id, []) if t > start)
