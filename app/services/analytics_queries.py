"""Reading analytics for pages, exports and the API (always scoped to one workspace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    AccountInsightDay,
    AudienceBreakdown,
    InstagramAccount,
    MediaInsight,
    Post,
)
from app.models.analytics import ACCOUNT_METRIC_COLUMNS
from app.services import analytics_rollup as rollup
from app.services.analytics_parse import AUDIENCE_DIMENSIONS
from app.services.analytics_series import (  # noqa: F401 - the series are read from here too
    Point,
    account_ids,
    account_ids_in,
    account_series,
    days_between,
    follower_series,
    overview,
    scope_series,
    workspace_follower_series,
)
from app.services.workspaces import scoped

RANGES = (30, 90, 365, 729)
POST_SORTS = (
    "posted_at",
    "reach",
    "views",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
    "engagement_rate",
)
PRODUCT_TYPES = ("FEED", "REELS", "STORY")


def insight_days(
    session: Session, workspace_id: int, ids: list[int], start: date, end: date
) -> list[dict]:
    """Account insights per day summed over accounts; a metric nobody has is None."""
    if not ids or start > end:
        return []
    cols = [getattr(AccountInsightDay, c) for c in ACCOUNT_METRIC_COLUMNS]
    ids = account_ids_in(session, workspace_id, ids)
    rows = session.execute(
        select(AccountInsightDay.day, *[func.sum(c) for c in cols])
        .where(
            AccountInsightDay.account_id.in_(ids or [-1]),
            AccountInsightDay.day >= start,
            AccountInsightDay.day <= end,
        )
        .group_by(AccountInsightDay.day)
    ).all()
    return _insight_points({r[0]: r[1:] for r in rows}, start, end)


def scope_insight_days(
    session: Session, workspace_id: int, account_id: int | None, start: date, end: date
) -> list[dict]:
    """One account's insight days, or the whole workspace's (account_id None) from the
    roll-up: the same figures as insight_days over all its accounts, one row per day."""
    if account_id is not None:
        return insight_days(session, workspace_id, [account_id], start, end)
    if start > end or not account_ids(session, workspace_id):
        return []
    return _insight_points(
        rollup.insight_rollup_days(session, workspace_id, start, end), start, end
    )


def _insight_points(found: dict, start: date, end: date) -> list[dict]:
    out = []
    for day in days_between(start, end):
        values = found.get(day)
        out.append(
            {
                "day": day,
                **{
                    c: (int(values[i]) if values and values[i] is not None else None)
                    for i, c in enumerate(ACCOUNT_METRIC_COLUMNS)
                },
            }
        )
    return out


def insight_totals(days: list[dict]) -> dict[str, int | None]:
    """Each metric summed over the days that have it (None when no day has it)."""
    out = {}
    for c in ACCOUNT_METRIC_COLUMNS:
        values = [d[c] for d in days if d[c] is not None]
        out[c] = sum(values) if values else None
    return out


@dataclass
class PostFilter:
    start: datetime | None = None
    end: datetime | None = None
    product: str | None = None
    sort: str = "posted_at"
    descending: bool = True


def post_performance(
    session: Session,
    workspace_id: int,
    ids: list[int],
    flt: PostFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    after_id: int | None = None,
):
    """(MediaInsight, username, Kezek post id or None) rows, filtered and sorted."""
    ids = account_ids_in(session, workspace_id, ids) if ids else []
    if not ids:
        return []
    stmt = (
        select(MediaInsight, InstagramAccount.username)
        .join(InstagramAccount, InstagramAccount.id == MediaInsight.account_id)
        .where(MediaInsight.account_id.in_(ids))
    )
    if flt.start is not None:
        stmt = stmt.where(MediaInsight.posted_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(MediaInsight.posted_at < flt.end)
    if flt.product in PRODUCT_TYPES:
        stmt = stmt.where(MediaInsight.media_product_type == flt.product)
    if after_id is not None:
        stmt = stmt.where(MediaInsight.id > after_id)
        order = [MediaInsight.id]
    else:
        col = getattr(MediaInsight, flt.sort if flt.sort in POST_SORTS else "posted_at")
        # NULLs last in both directions (MariaDB has no NULLS LAST).
        order = [col.is_(None), col.desc() if flt.descending else col.asc(), MediaInsight.id.desc()]
    rows = session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
    posts = kezek_posts(session, workspace_id, [r[0].ig_media_id for r in rows])
    return [(m, username, posts.get(m.ig_media_id)) for m, username in rows]


def kezek_posts(session: Session, workspace_id: int, media_ids: list[str]) -> dict[str, int]:
    """{Instagram media id: Kezek post id} for media published through Kezek."""
    if not media_ids:
        return {}
    return dict(
        session.execute(
            select(Post.ig_media_id, Post.id).where(
                Post.workspace_id == workspace_id, Post.ig_media_id.in_(media_ids)
            )
        ).all()
    )


def best_posts(
    session: Session, workspace_id: int, ids: list[int], since: datetime, limit: int = 5
):
    """The best posts published since `since`, by interactions."""
    flt = PostFilter(start=since, sort="total_interactions")
    return post_performance(session, workspace_id, ids, flt, limit=limit)


def audience(
    session: Session, workspace_id: int, account_id: int
) -> dict[str, AudienceBreakdown | None]:
    """The newest demographics per dimension (None = never collected yet)."""
    rows = {
        r.dimension: r
        for r in session.scalars(
            scoped(AudienceBreakdown, workspace_id).where(
                AudienceBreakdown.account_id == account_id
            )
        )
    }
    return {d: rows.get(d) for d in AUDIENCE_DIMENSIONS}
