"""Best time to post: a weekday x hour heat map of the account's own posts' engagement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import MediaInsight, utcnow
from app.services.analytics import zone

WINDOW = timedelta(days=90)
MIN_POSTS = 3  # fewer posts with figures than this: no suggestion, only the map


@dataclass
class Cell:
    weekday: int  # 0 = Monday
    hour: int
    posts: int = 0
    engagement: float | None = None  # mean engagement rate of the posts in this slot


@dataclass
class HeatMap:
    timezone: str
    posts: int
    cells: list[list[Cell]] = field(default_factory=list)  # [weekday][hour]

    def best(self, count: int = 3) -> list[Cell]:
        """The slots with the highest mean engagement."""
        filled = [c for row in self.cells for c in row if c.engagement is not None]
        return sorted(filled, key=lambda c: (-c.engagement, -c.posts, c.weekday, c.hour))[:count]

    @property
    def peak(self) -> float:
        return max((c.engagement or 0 for row in self.cells for c in row), default=0.0)


def build(samples: list[tuple[datetime, float]], tz_name: str) -> HeatMap:
    """A heat map from (posted_at UTC, engagement rate) pairs, in the given timezone."""
    tz = zone(tz_name)
    sums = [[0.0] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    for posted_at, rate in samples:
        local = posted_at.astimezone(tz)
        sums[local.weekday()][local.hour] += rate
        counts[local.weekday()][local.hour] += 1
    cells = [
        [
            Cell(d, h, counts[d][h], round(sums[d][h] / counts[d][h], 6) if counts[d][h] else None)
            for h in range(24)
        ]
        for d in range(7)
    ]
    return HeatMap(timezone=tz_name, posts=len(samples), cells=cells)


def heat_map(
    session: Session, workspace_id: int, ids: list[int], tz_name: str, now: datetime | None = None
) -> HeatMap:
    """The heat map of the accounts' posts and Reels of the last 90 days."""
    now = now or utcnow()
    rows = session.execute(
        select(MediaInsight.posted_at, MediaInsight.engagement_rate).where(
            MediaInsight.workspace_id == workspace_id,
            MediaInsight.account_id.in_(ids or [-1]),
            MediaInsight.posted_at >= now - WINDOW,
            MediaInsight.media_product_type != "STORY",
            MediaInsight.engagement_rate.is_not(None),
        )
    ).all()
    return build([(p, r) for p, r in rows], tz_name)


def suggest_slots(
    session: Session,
    workspace_id: int,
    account_id: int,
    tz_name: str,
    now: datetime | None = None,
    count: int = 3,
) -> list[datetime]:
    """The next times (aware UTC) at the account's best weekday/hour slots, soonest first;
    empty while there are too few posts to tell. The composer offers these."""
    now = now or utcnow()
    hm = heat_map(session, workspace_id, [account_id], tz_name, now)
    if hm.posts < MIN_POSTS:
        return []
    tz = zone(tz_name)
    local_now = now.astimezone(tz)
    slots = []
    for cell in hm.best(count):
        days_ahead = (cell.weekday - local_now.weekday()) % 7
        day = local_now.date() + timedelta(days=days_ahead)
        at = datetime.combine(day, time(cell.hour), tz)
        if at <= local_now:
            at = datetime.combine(day + timedelta(days=7), time(cell.hour), tz)
        slots.append(at.astimezone(zone("UTC")))
    return sorted(slots)
