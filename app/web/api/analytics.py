"""/api/v1 analytics: follower series, account insights, post performance, audience,
best time to post and the workspace overview — the figures the analytics pages show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import g

from app.extensions import db
from app.models import InstagramAccount
from app.services import analytics_queries as q
from app.services.accounts import list_accounts
from app.services.analytics import local_day, zone
from app.services.analytics_best_time import heat_map, suggest_slots
from app.services.workspaces import get_scoped
from app.web.api import bp
from app.web.api.analytics_schemas import (
    AnalyticsOverview,
    AnalyticsOverviewItem,
    AnalyticsRangeQuery,
    AudienceDimension,
    AudienceItem,
    AudienceOut,
    BestTimeOut,
    FollowerPoint,
    FollowerSeries,
    HeatCell,
    InsightDay,
    InsightSeries,
    PostPerformance,
    PostPerformancePage,
    PostPerformanceQuery,
)
from app.web.api.errors import ApiError
from app.web.api.schemas import decode_cursor, page_of, parse_id
from app.web.api.spec import endpoint

MAX_DAYS = 729
DEFAULT_DAYS = 30
TAGS = ("analytics",)


def _account(account_id: str) -> InstagramAccount:
    key = parse_id(account_id)
    account = get_scoped(db.session, InstagramAccount, key, g.workspace.id) if key else None
    if account is None:
        raise ApiError(404)
    return account


def _minus(day: date, days: int) -> date:
    return day - timedelta(days=days) if day.toordinal() > days else date.min


def _range(query: AnalyticsRangeQuery) -> tuple[date, date]:
    last = query.to or local_day(g.workspace.timezone)
    first = query.from_ or _minus(last, DEFAULT_DAYS - 1)
    return max(first, _minus(last, MAX_DAYS - 1)), last


@bp.get("/accounts/<account_id>/followers")
@endpoint(resp=FollowerSeries, query=AnalyticsRangeQuery, tags=TAGS)
def get_follower_series(account_id: str, query: AnalyticsRangeQuery):
    """Followers per day from Kezek's daily snapshots; missed days are gaps, never guessed."""
    account = _account(account_id)
    first, last = _range(query)
    points = q.follower_series(db.session, g.workspace.id, [account.id], first, last)
    return FollowerSeries(
        account_id=str(account.id),
        timezone=g.workspace.timezone,
        first_day=first,
        last_day=last,
        items=[
            FollowerPoint(
                date=p.day,
                followers_count=p.followers,
                follows_count=p.follows,
                media_count=p.media_count,
                net_change=p.net_change,
                missing=p.missing,
            )
            for p in points
        ],
    )


@bp.get("/accounts/<account_id>/insights")
@endpoint(resp=InsightSeries, query=AnalyticsRangeQuery, tags=TAGS)
def get_account_insights(account_id: str, query: AnalyticsRangeQuery):
    """Daily account insights (reach, views, interactions, follows and unfollows...)."""
    account = _account(account_id)
    first, last = _range(query)
    days = q.insight_days(db.session, g.workspace.id, [account.id], first, last)
    return InsightSeries(
        account_id=str(account.id),
        timezone=g.workspace.timezone,
        first_day=first,
        last_day=last,
        items=[InsightDay(date=d.pop("day"), **d) for d in days],
    )


@bp.get("/accounts/<account_id>/posts/performance")
@endpoint(resp=PostPerformancePage, query=PostPerformanceQuery, tags=TAGS)
def list_post_performance(account_id: str, query: PostPerformanceQuery):
    """Published posts, Reels and Stories with their insights, by id (paged)."""
    account = _account(account_id)
    tz = zone(g.workspace.timezone)
    flt = q.PostFilter(product=query.type)
    if query.from_:
        flt.start = datetime.combine(query.from_, time(0), tz)
    if query.to and query.to < date.max:
        flt.end = datetime.combine(query.to + timedelta(days=1), time(0), tz)
    rows = q.post_performance(
        db.session,
        g.workspace.id,
        [account.id],
        flt,
        limit=query.limit + 1,
        after_id=decode_cursor(query.next) or 0,
    )
    page, nxt = page_of(rows, query.limit, key=lambda r: r[0].id)
    return PostPerformancePage(
        items=[
            PostPerformance(
                id=str(m.id),
                account_id=str(m.account_id),
                ig_media_id=m.ig_media_id,
                media_product_type=m.media_product_type,
                media_type=m.media_type,
                caption=m.caption,
                permalink=m.permalink,
                posted_at=m.posted_at,
                reach=m.reach,
                views=m.views,
                likes=m.likes,
                comments=m.comments,
                saved=m.saved,
                shares=m.shares,
                total_interactions=m.total_interactions,
                engagement_rate=m.engagement_rate,
                unavailable_reason=m.unavailable_reason,
                post_id=str(post) if post else None,
            )
            for m, _u, post in page
        ],
        next=nxt,
    )


@bp.get("/accounts/<account_id>/audience")
@endpoint(resp=AudienceOut, tags=TAGS)
def get_audience(account_id: str):
    """Follower demographics by age, gender, country and city."""
    account = _account(account_id)
    dims = []
    for dim, row in q.audience(db.session, g.workspace.id, account.id).items():
        dims.append(
            AudienceDimension(
                dimension=dim,
                status=row.status if row is not None else "not_collected",
                reason=row.reason if row is not None else None,
                fetched_at=row.fetched_at if row is not None else None,
                items=[
                    AudienceItem(value=str(v), followers=int(c))
                    for v, c in (row.data or [] if row is not None else [])
                ],
            )
        )
    return AudienceOut(account_id=str(account.id), dimensions=dims)


@bp.get("/accounts/<account_id>/best-time")
@endpoint(resp=BestTimeOut, tags=TAGS)
def get_best_time(account_id: str):
    """Weekday x hour engagement of the account's posts (90 days) and suggested slots."""
    account = _account(account_id)
    tz_name = g.workspace.timezone
    hm = heat_map(db.session, g.workspace.id, [account.id], tz_name)
    return BestTimeOut(
        account_id=str(account.id),
        timezone=tz_name,
        posts=hm.posts,
        cells=[
            HeatCell(weekday=c.weekday, hour=c.hour, posts=c.posts, engagement_rate=c.engagement)
            for row in hm.cells
            for c in row
        ],
        suggested_slots=suggest_slots(db.session, g.workspace.id, account.id, tz_name),
    )


def _overview_item(series, account: InstagramAccount | None) -> AnalyticsOverviewItem:
    o = q.overview(series)
    return AnalyticsOverviewItem(
        account_id=str(account.id) if account else None,
        username=account.username if account else None,
        followers_count=o["followers"],
        as_of=o.get("as_of"),
        change_1=o["change_1"],
        change_7=o["change_7"],
        change_30=o["change_30"],
    )


@bp.get("/analytics/overview")
@endpoint(resp=AnalyticsOverview, tags=TAGS)
def get_analytics_overview():
    """Followers now and their change over 1, 7 and 30 days, per account and in total."""
    ws = g.workspace
    today = local_day(ws.timezone)
    start = today - timedelta(days=DEFAULT_DAYS)
    accounts = sorted(list_accounts(db.session, ws.id), key=lambda a: a.id)
    series = q.account_series(db.session, ws.id, [a.id for a in accounts], start, today)
    items = [_overview_item(series.get(a.id, []), a) for a in accounts]
    total = q.workspace_follower_series(db.session, ws.id, start, today)
    return AnalyticsOverview(total=_overview_item(total, None), accounts=items)
