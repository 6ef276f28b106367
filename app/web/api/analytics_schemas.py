"""Schemas of the analytics API (app/web/api/analytics.py)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from app.web.api.schemas import ListQuery, Schema, Timestamp, optional


class AnalyticsRangeQuery(Schema):
    """A range of local days (workspace timezone); at most 729 days are answered."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = optional("First day, YYYY-MM-DD (default: 29 days before `to`).", alias="from")
    to: date = optional("Last day, YYYY-MM-DD (default: today in the workspace timezone).")


class PostPerformanceQuery(ListQuery):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = optional("Published on or after this day, YYYY-MM-DD.", alias="from")
    to: date = optional("Published on or before this day, YYYY-MM-DD.")
    type: Literal["FEED", "REELS", "STORY"] = optional("Only this product type.")


class FollowerPoint(Schema):
    date: date
    followers_count: int | None = Field(description="null: no snapshot (see `missing`).")
    follows_count: int | None
    media_count: int | None
    net_change: int | None = Field(description="Change since the day before; null if unknown.")
    missing: bool = Field(description="Kezek took no snapshot that day (it was not running).")


class FollowerSeries(Schema):
    account_id: str
    timezone: str
    first_day: date
    last_day: date
    items: list[FollowerPoint]


class InsightDay(Schema):
    """One day of account insights; null = not available (never 0 for unknown)."""

    date: date
    reach: int | None
    views: int | None
    accounts_engaged: int | None
    total_interactions: int | None
    likes: int | None
    comments: int | None
    saves: int | None
    shares: int | None
    replies: int | None
    reposts: int | None
    profile_links_taps: int | None
    follows: int | None
    unfollows: int | None


class InsightSeries(Schema):
    account_id: str
    timezone: str
    first_day: date
    last_day: date
    items: list[InsightDay]


class PostPerformance(Schema):
    id: str
    account_id: str
    ig_media_id: str
    media_product_type: str | None = Field(description="`FEED`, `REELS` or `STORY`.")
    media_type: str | None
    caption: str | None
    permalink: str | None
    posted_at: Timestamp
    reach: int | None
    views: int | None
    likes: int | None
    comments: int | None
    saved: int | None
    shares: int | None
    total_interactions: int | None
    engagement_rate: float | None = Field(description="Interactions / reach.")
    unavailable_reason: str | None
    post_id: str | None = Field(description="The Kezek post, when published through Kezek.")


class PostPerformancePage(Schema):
    items: list[PostPerformance]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class AudienceItem(Schema):
    value: str
    followers: int


class AudienceDimension(Schema):
    dimension: Literal["age", "gender", "country", "city"]
    status: Literal["available", "not_available", "not_collected"] = Field(
        description="`not_available`: Instagram has no demographics (never shown as zero)."
    )
    reason: str | None
    fetched_at: Timestamp | None
    items: list[AudienceItem]


class AudienceOut(Schema):
    account_id: str
    dimensions: list[AudienceDimension]


class HeatCell(Schema):
    weekday: int = Field(description="0 = Monday, in the workspace timezone.")
    hour: int
    posts: int
    engagement_rate: float | None


class BestTimeOut(Schema):
    account_id: str
    timezone: str
    posts: int
    cells: list[HeatCell]
    suggested_slots: list[Timestamp]


class AnalyticsOverviewItem(Schema):
    account_id: str | None = Field(description="null for the workspace total.")
    username: str | None
    followers_count: int | None
    as_of: date | None
    change_1: int | None
    change_7: int | None
    change_30: int | None


class AnalyticsOverview(Schema):
    total: AnalyticsOverviewItem
    accounts: list[AnalyticsOverviewItem]
