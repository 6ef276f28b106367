"""Time and calendar helpers for the publishing pages (workspace timezone in, UTC stored)."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g

from app.models import MediaItem, Post
from app.services import post_media


def workspace_tz() -> ZoneInfo:
    """The current workspace's timezone."""
    ws = g.get("workspace")
    return ZoneInfo(ws.timezone if ws is not None else "UTC")


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock date and time in `tz` as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def to_local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """An aware datetime in `tz` (None stays None)."""
    return value.astimezone(tz) if value is not None else None


def post_time(post: Post) -> datetime:
    """When a post appears on the calendar: its schedule, else publication, else creation."""
    return post.scheduled_at or post.published_at or post.created_at


def month_grid(year: int, month: int) -> list[list[date]]:
    """The weeks (Monday first) covering a month, including neighbouring days."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def week_of(day: date) -> list[date]:
    """The seven days (Monday first) of the week containing `day`."""
    start = day - timedelta(days=day.weekday())
    return [start + timedelta(days=i) for i in range(7)]


def utc_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants from the start of `first` to the end of `last` in `tz`."""
    return to_utc(first, time(0), tz), to_utc(last + timedelta(days=1), time(0), tz)


def place(posts: list[Post], days: list[date], tz: ZoneInfo) -> dict[date, list[Post]]:
    """Posts by local day, only for the given days, each day's posts in time order."""
    wanted = set(days)
    out: dict[date, list[Post]] = defaultdict(list)
    for post in sorted(posts, key=post_time):
        day = post_time(post).astimezone(tz).date()
        if day in wanted:
            out[day].append(post)
    return out


def month_shift(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def media_url(item: MediaItem | None) -> str:
    """Where the browser can show a library item (its public URL)."""
    if item is None:
        return ""
    return post_media.public_url(current_app.config["SETTINGS"], item)


def caption_counts(text: str | None) -> dict:
    """Characters, hashtags and mentions counted as posts.validate_caption counts them."""
    text = text or ""
    return {
        "chars": len(text),
        "tags": len(re.findall(r"#\w", text)),
        "mentions": len(re.findall(r"@\w", text)),
    }
