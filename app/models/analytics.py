"""Analytics: daily follower and profile snapshots, account and media insights, audience.

A missing value is NULL, never 0: Instagram answers "no data" with an empty set, and Kezek
shows that as "not available".
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow


def _account_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("instagram_account.id", ondelete="CASCADE"))


class SnapshotStatus(StrEnum):
    """A follower snapshot was taken, or the day passed without one (Kezek was down)."""

    TAKEN = "taken"
    MISSING = "missing"


class FollowerSnapshot(WorkspaceOwned, Base):
    """Followers, follows and media counts of one account on one local day (kept 729 days)."""

    __tablename__ = "follower_snapshot"
    __table_args__ = (
        UniqueConstraint("account_id", "day"),
        # Covers the series query, so 50 accounts x 729 days are summed from the index alone.
        Index(
            "ix_follower_snapshot_series",
            "account_id",
            "day",
            "status",
            "followers_count",
            "follows_count",
            "media_count",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = _account_fk()
    # The day in the workspace's timezone.
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=SnapshotStatus.TAKEN.value)
    followers_count: Mapped[int | None] = mapped_column(Integer)
    follows_count: Mapped[int | None] = mapped_column(Integer)
    media_count: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkspaceFollowerDay(WorkspaceOwned, Base):
    """The workspace's follower totals on one local day: the sums of its accounts' taken
    snapshots that day (kept 729 days, like the snapshots it is built from).

    Maintained with each snapshot in the same transaction (analytics_rollup), so the
    workspace overview reads one row per day instead of summing every account's rows.
    `accounts` is how many accounts are in the sums: a day with fewer than the workspace's
    tracked accounts is a missing day for the workspace, never a smaller total.
    """

    __tablename__ = "workspace_follower_day"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    followers_count: Mapped[int] = mapped_column(BigInteger)
    # NULL when no summed account had the figure that day.
    follows_count: Mapped[int | None] = mapped_column(BigInteger)
    media_count: Mapped[int | None] = mapped_column(BigInteger)
    accounts: Mapped[int] = mapped_column(Integer)


class ProfileSnapshot(WorkspaceOwned, Base):
    """The profile as Instagram showed it on one local day (kept 30 days)."""

    __tablename__ = "profile_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = _account_fk()
    day: Mapped[date] = mapped_column(Date)
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    biography: Mapped[str | None] = mapped_column(Text)
    profile_picture_url: Mapped[str | None] = mapped_column(Text)
    followers_count: Mapped[int | None] = mapped_column(Integer)
    follows_count: Mapped[int | None] = mapped_column(Integer)
    media_count: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Daily account metrics Kezek keeps (fact sheet §7.1); NULL = not available.
ACCOUNT_METRIC_COLUMNS = (
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "saves",
    "shares",
    "replies",
    "reposts",
    "profile_links_taps",
    "follows",
    "unfollows",
)


class AccountInsightDay(WorkspaceOwned, Base):
    """An account's insights for one local day, re-read while Instagram's figures settle."""

    __tablename__ = "account_insight_day"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = _account_fk()
    day: Mapped[date] = mapped_column(Date)
    reach: Mapped[int | None] = mapped_column(Integer)
    views: Mapped[int | None] = mapped_column(Integer)
    accounts_engaged: Mapped[int | None] = mapped_column(Integer)
    total_interactions: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    saves: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int | None] = mapped_column(Integer)
    reposts: Mapped[int | None] = mapped_column(Integer)
    profile_links_taps: Mapped[int | None] = mapped_column(Integer)
    follows: Mapped[int | None] = mapped_column(Integer)
    unfollows: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkspaceInsightDay(WorkspaceOwned, Base):
    """The workspace's account insights on one local day: each metric summed over its
    accounts' rows that day (NULL when none has it), kept as long as the rows.

    Recomputed from account_insight_day for the days an account's insights were stored, in
    the same transaction (analytics_rollup), so the workspace overview reads one row per day.
    """

    __tablename__ = "workspace_insight_day"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    reach: Mapped[int | None] = mapped_column(BigInteger)
    views: Mapped[int | None] = mapped_column(BigInteger)
    accounts_engaged: Mapped[int | None] = mapped_column(BigInteger)
    total_interactions: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    replies: Mapped[int | None] = mapped_column(BigInteger)
    reposts: Mapped[int | None] = mapped_column(BigInteger)
    profile_links_taps: Mapped[int | None] = mapped_column(BigInteger)
    follows: Mapped[int | None] = mapped_column(BigInteger)
    unfollows: Mapped[int | None] = mapped_column(BigInteger)


class MediaInsight(WorkspaceOwned, Base):
    """A published post, Reel or Story with its lifetime insights and next read time."""

    __tablename__ = "media_insight"
    __table_args__ = (
        UniqueConstraint("account_id", "ig_media_id"),
        Index("ix_media_insight_next_fetch_at", "next_fetch_at"),
        Index("ix_media_insight_account_id_posted_at", "account_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = _account_fk()
    ig_media_id: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(32))
    # FEED, REELS or STORY (None when Instagram did not say; treated as FEED).
    media_product_type: Mapped[str | None] = mapped_column(String(32))
    caption: Mapped[str | None] = mapped_column(Text)
    permalink: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reach: Mapped[int | None] = mapped_column(Integer)
    views: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    saved: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int | None] = mapped_column(Integer)
    total_interactions: Mapped[int | None] = mapped_column(Integer)
    # total_interactions / reach, kept so the table sorts in the database.
    engagement_rate: Mapped[float | None] = mapped_column(Double)
    # Why Instagram gave no figures (e.g. insights_not_enough_viewers), else NULL.
    unavailable_reason: Mapped[str | None] = mapped_column(String(64))
    fetch_count: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # NULL = no more reads (older than 90 days, or a Story past 24 hours).
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AudienceStatus(StrEnum):
    """Demographics are available, or Instagram has none for the account."""

    AVAILABLE = "available"
    NOT_AVAILABLE = "not_available"


class AudienceBreakdown(WorkspaceOwned, Base):
    """The newest follower demographics of an account along one dimension (age, city...)."""

    __tablename__ = "audience_breakdown"
    __table_args__ = (UniqueConstraint("account_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = _account_fk()
    dimension: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # [[value, count], ...] by count descending; NULL when not available.
    data: Mapped[list | None] = mapped_column(JSON)
    # Why it is not available (fewer_than_100_followers, no_data, permission_missing...).
    reason: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalyticsState(WorkspaceOwned, Base):
    """Per account: when each collection last ran, back-off, and the worker's lease."""

    __tablename__ = "analytics_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("instagram_account.id", ondelete="CASCADE"), unique=True
    )
    # The local day whose account insights (and the 2 days before) were last read.
    insights_day: Mapped[date | None] = mapped_column(Date)
    media_list_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After RETRY / RATE_LIMITED errors: nothing is asked before this time.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
