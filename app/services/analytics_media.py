"""Media insights on a falling schedule, Stories before they vanish, and audience."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.instagram import ErrorKind, InstagramClient, InstagramError
from app.models import AudienceBreakdown, InstagramAccount, MediaInsight, utcnow
from app.models.analytics import AudienceStatus
from app.services import analytics_parse as parse
from app.services.analytics import insert_ignore, upsert

log = logging.getLogger(__name__)

MEDIA_WINDOW = timedelta(days=90)
MEDIA_LIST_MAX = 500
LIST_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,thumbnail_url,timestamp,"
    "like_count,comments_count"
)
STORY_LIFETIME = timedelta(hours=24)
# Read a Story every 4 hours and once more just before it disappears.
STORY_EVERY = timedelta(hours=4)
STORY_LAST_READ = timedelta(hours=23, minutes=30)
# (age below, read again after): often while a post is new, rarely once it is old.
FEED_SCHEDULE = (
    (timedelta(days=2), timedelta(hours=2)),
    (timedelta(days=7), timedelta(hours=12)),
    (timedelta(days=30), timedelta(days=2)),
    (MEDIA_WINDOW, timedelta(days=7)),
)
AUDIENCE_MIN_FOLLOWERS = 100  # fact sheet §7.1: demographics need 100 followers


def next_fetch(product: str | None, posted_at: datetime, now: datetime) -> datetime | None:
    """When to read a media item's insights again; None = never."""
    age = now - posted_at
    if product == "STORY":
        last = posted_at + STORY_LAST_READ
        if now >= last:
            return None
        return min(now + STORY_EVERY, last)
    for below, every in FEED_SCHEDULE:
        if age < below:
            nxt = now + every
            return nxt if nxt < posted_at + MEDIA_WINDOW else None
    return None


def parse_time(value: str | None) -> datetime | None:
    """A Graph timestamp (2019-09-26T22:36:43+0000) as aware UTC."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z",):
        try:
            return datetime.strptime(value, fmt).astimezone(UTC)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _store_item(
    session: Session, account: InstagramAccount, item: dict, known: dict, now: datetime
) -> bool:
    posted = parse_time(item.get("timestamp"))
    media_id = str(item.get("id") or "")
    if posted is None or not media_id:
        return False
    product = item.get("media_product_type") or "FEED"
    meta = {
        "media_type": item.get("media_type"),
        "media_product_type": product,
        "caption": item.get("caption"),
        "permalink": item.get("permalink"),
        "thumbnail_url": item.get("thumbnail_url"),
    }
    row = known.get(media_id)
    if row is not None:
        for key, value in meta.items():
            if value is not None:
                setattr(row, key, value)
        return True
    first_read = now if product != "STORY" or now - posted < STORY_LIFETIME else None
    insert_ignore(
        session,
        MediaInsight,
        {
            "workspace_id": account.workspace_id,
            "account_id": account.id,
            "ig_media_id": media_id,
            "posted_at": posted,
            **meta,
            # Counts from the media list until the insights are read.
            "likes": parse.as_int(item.get("like_count")),
            "comments": parse.as_int(item.get("comments_count")),
            "fetch_count": 0,
            "next_fetch_at": first_read,
        },
        ("account_id", "ig_media_id"),
    )
    return True


def refresh_media(
    session: Session,
    client: InstagramClient,
    account: InstagramAccount,
    token: str,
    now: datetime | None = None,
) -> int:
    """Record the posts and Reels of the last 90 days and the live Stories."""
    now = now or utcnow()
    since = now - MEDIA_WINDOW
    known = {
        m.ig_media_id: m
        for m in session.scalars(
            select(MediaInsight).where(
                MediaInsight.account_id == account.id, MediaInsight.posted_at >= since
            )
        )
    }
    count = 0
    for item in client.iter_media(token, fields=LIST_FIELDS, since=int(since.timestamp())):
        if count >= MEDIA_LIST_MAX:
            break
        count += _store_item(session, account, item, known, now)
    for item in client.list_stories(token, fields=LIST_FIELDS).data:
        item.setdefault("media_product_type", "STORY")
        count += _store_item(session, account, item, known, now)
    session.flush()
    return count


def _apply(row: MediaInsight, values: dict[str, int | None]) -> None:
    for name in (
        "reach",
        "views",
        "likes",
        "comments",
        "saved",
        "shares",
        "replies",
        "total_interactions",
    ):
        if name in values:
            setattr(row, name, values[name])
    row.engagement_rate = parse.engagement_rate(
        row.reach, row.total_interactions, (row.likes, row.comments, row.saved, row.shares)
    )


def collect_media_insights(
    session: Session,
    client: InstagramClient,
    account: InstagramAccount,
    token: str,
    now: datetime | None = None,
    *,
    limit: int = 25,
) -> int:
    """Read the insights of media that are due (one request per media item)."""
    now = now or utcnow()
    due = session.scalars(
        select(MediaInsight)
        .where(MediaInsight.account_id == account.id, MediaInsight.next_fetch_at <= now)
        .order_by(MediaInsight.next_fetch_at, MediaInsight.id)
        .limit(limit)
    ).all()
    for row in due:
        product = (
            row.media_product_type if row.media_product_type in parse.MEDIA_METRICS else "FEED"
        )
        row.fetch_count += 1
        row.fetched_at = now
        row.next_fetch_at = next_fetch(row.media_product_type, row.posted_at, now)
        try:
            values = client.get_media_insights(
                token, row.ig_media_id, metrics=parse.MEDIA_METRICS[product]
            )
        except InstagramError as e:
            if e.kind in (ErrorKind.PERMISSION, ErrorKind.BAD_INPUT, ErrorKind.UNKNOWN):
                # Story under 5 viewers (code 10), media gone or not supported: no figures.
                row.unavailable_reason = e.message_key[:64]
                if e.kind is not ErrorKind.PERMISSION:
                    row.next_fetch_at = None
                continue
            row.fetch_count -= 1
            row.next_fetch_at = now
            raise
        values = parse.media_metrics(values)
        row.unavailable_reason = None if values else "no_data"
        _apply(row, values)
    session.flush()
    return len(due)


def _store_audience(
    session: Session,
    account: InstagramAccount,
    dimension: str,
    rows: list[tuple[str, int]] | None,
    reason: str | None,
    now: datetime,
):
    upsert(
        session,
        AudienceBreakdown,
        {
            "workspace_id": account.workspace_id,
            "account_id": account.id,
            "dimension": dimension,
            "status": (AudienceStatus.AVAILABLE if rows else AudienceStatus.NOT_AVAILABLE).value,
            "data": [list(r) for r in rows] if rows else None,
            "reason": None if rows else (reason or "no_data"),
            "fetched_at": now,
        },
        ("account_id", "dimension"),
    )


def collect_audience(
    session: Session,
    client: InstagramClient,
    account: InstagramAccount,
    token: str,
    now: datetime | None = None,
) -> int:
    """Follower demographics by age, gender, country and city (weekly)."""
    now = now or utcnow()
    if account.followers_count is not None and account.followers_count < AUDIENCE_MIN_FOLLOWERS:
        for dimension in parse.AUDIENCE_DIMENSIONS:
            _store_audience(session, account, dimension, None, "fewer_than_100_followers", now)
        return 0
    available = 0
    for dimension in parse.AUDIENCE_DIMENSIONS:
        reason = None
        try:
            rows = parse.demographics(
                client.get_account_insights(
                    token,
                    metrics=["follower_demographics"],
                    period="lifetime",
                    metric_type="total_value",
                    breakdown=dimension,
                    timeframe="this_month",
                )
            )
        except InstagramError as e:
            if e.kind not in (ErrorKind.PERMISSION, ErrorKind.BAD_INPUT, ErrorKind.UNKNOWN):
                raise
            rows, reason = None, e.message_key[:64]
        _store_audience(session, account, dimension, rows, reason, now)
        available += rows is not None
    return available
