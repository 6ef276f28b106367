"""Insights collection against the sandbox over real HTTP: account insights for 3 days,
media insights on a falling schedule, Stories, audience, rate limits and errors."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.instagram.insights import DEPRECATED_ACCOUNT_METRICS, DEPRECATED_MEDIA_METRICS
from app.models import (
    AccountInsightDay,
    AnalyticsState,
    AudienceBreakdown,
    InstagramAccount,
    MediaInsight,
)
from app.services.analytics_collect import run_collection
from app.services.instagram import make_client, read_token
from scheduler.analytics_jobs import collect, take_snapshots
from tests.analytics.conftest import local_today
from tests.analytics.test_pages import _chart


def _collect(app, account_id, now, *, usage=None, log=None):
    """One collection run for one account, recording every Graph URL asked for."""
    with app.app_context():
        settings = app.config["SETTINGS"]
        client = make_client(settings)
        if log is not None:
            client.session.hooks["response"].append(lambda r, *a, **k: log.append(r.url))
        account = db.session.get(InstagramAccount, account_id)
        if usage is not None:
            account.usage_percent = usage
        done = run_collection(db.session, settings, client, account, now=now)
        db.session.commit()
        return done


def _metrics_asked(urls):
    asked = set()
    for url in urls:
        if "/insights" in url:
            for value in parse_qs(urlsplit(url).query).get("metric", []):
                asked.update(value.split(","))
    return asked


def test_collection_reads_3_days_posts_and_audience_without_deprecated_metrics(
    app, connected, clock, session
):
    urls: list[str] = []
    done = _collect(app, connected.id, clock.at(0, hour=8), log=urls)
    # The demo account has 24 posts and Reels, all within 90 days: every one is read.
    assert done["insight_days"] == 3 and done["media_listed"] == 24
    assert done["media_read"] == 24 and done["audience"] == 4

    days = session.scalars(select(AccountInsightDay).order_by(AccountInsightDay.day)).all()
    assert [(local_today() - d.day).days for d in days] == [3, 2, 1]
    for d in days:
        assert d.reach and d.views and d.accounts_engaged and d.total_interactions
        assert d.follows is not None and d.unfollows is not None

    posts = session.scalars(select(MediaInsight).where(MediaInsight.fetch_count > 0)).all()
    assert len(posts) == 24
    for p in posts:
        assert p.unavailable_reason is None, p.unavailable_reason
        assert p.reach and p.views is not None and p.total_interactions is not None
        assert p.engagement_rate == pytest.approx(p.total_interactions / p.reach, abs=1e-6)
        assert p.next_fetch_at is not None

    asked = _metrics_asked(urls)
    assert "reach" in asked and "follower_demographics" in asked
    assert not asked & (DEPRECATED_ACCOUNT_METRICS | DEPRECATED_MEDIA_METRICS | {"follower_count"})
    assert not any("/me/insights" in u and "since" not in u and "timeframe" not in u for u in urls)

    audience = session.scalars(select(AudienceBreakdown)).all()
    assert {a.dimension for a in audience} == {"age", "gender", "country", "city"}
    assert all(a.status == "available" and a.data for a in audience)


def test_account_insights_are_reread_once_a_day_and_settle(app, connected, clock, session):
    _collect(app, connected.id, clock.at(0, hour=8))
    urls: list[str] = []
    done = _collect(app, connected.id, clock.at(0, hour=9), log=urls)
    assert done["insight_days"] == 0 and "reach" not in _metrics_asked(urls)
    _collect(app, connected.id, clock.at(1, hour=8))
    session.expire_all()
    days = [(local_today() - d.day).days for d in session.scalars(select(AccountInsightDay))]
    assert sorted(days) == [0, 1, 2, 3]  # one row per day, re-read days updated in place


def test_posts_are_read_often_when_new_and_rarely_when_old(app, connected, clock, session):
    now = clock.at(0, hour=8)
    for _ in range(3):
        _collect(app, connected.id, now)
    session.expire_all()
    rows = session.scalars(select(MediaInsight).where(MediaInsight.fetch_count > 0)).all()
    assert rows
    for row in rows:
        wait = row.next_fetch_at - now if row.next_fetch_at else None
        age = now - row.posted_at
        if age < timedelta(days=2):
            assert wait == timedelta(hours=2)
        elif age < timedelta(days=7):
            assert wait == timedelta(hours=12)
        elif age < timedelta(days=30):
            assert wait == timedelta(days=2)
        else:
            assert wait is None or wait == timedelta(days=7)
    # Nothing is due right after: a new run reads nothing.
    assert _collect(app, connected.id, now + timedelta(minutes=5))["media_read"] == 0


def test_stories_are_read_several_times_before_they_vanish(
    app, connected, clock, ig_stack, session
):
    now = clock.at(0, hour=8)
    with app.app_context():
        client = make_client(app.config["SETTINGS"])
        token = read_token(app.config["SETTINGS"], db.session.get(InstagramAccount, connected.id))
        container = client.create_story_container(
            token, image_url=f"{ig_stack.sandbox_url}/_cdn/story.jpg"
        )
        story_id = client.publish_container(token, creation_id=container)
    _collect(app, connected.id, now)

    def story():
        session.expire_all()
        return session.scalar(select(MediaInsight).where(MediaInsight.ig_media_id == story_id))

    row = story()
    assert row.media_product_type == "STORY"
    # Fewer than 5 viewers: Instagram's code 10, stored as a reason, read again later.
    assert row.unavailable_reason == "insights_not_enough_viewers" and row.reach is None
    assert row.next_fetch_at - now == timedelta(hours=4)
    reads = row.fetch_count
    for hours in (4, 8, 12, 16, 20):
        ig_stack.admin("POST", "clock", {"advance_seconds": 4 * 3600})
        _collect(app, connected.id, now + timedelta(hours=hours))
    row = story()
    assert row.fetch_count == reads + 5
    assert row.unavailable_reason is None and row.reach >= 5 and row.replies is not None
    assert row.next_fetch_at == row.posted_at + timedelta(hours=23, minutes=30)
    ig_stack.admin("POST", "clock", {"advance_seconds": 3.5 * 3600})
    _collect(app, connected.id, now + timedelta(hours=23, minutes=31))
    row = story()
    assert row.fetch_count == reads + 6 and row.next_fetch_at is None


def test_audience_not_available_is_stored_as_such(app, connected, clock, ig_stack, session):
    ig_stack.admin("POST", "config", {"demographics_min_followers": 10**9})
    _collect(app, connected.id, clock.at(0, hour=8))
    rows = session.scalars(select(AudienceBreakdown)).all()
    assert len(rows) == 4
    assert all(r.status == "not_available" and r.data is None for r in rows)


def test_small_accounts_are_not_asked_for_demographics(app, connected, clock, session):
    session.get(InstagramAccount, connected.id).followers_count = 42
    session.commit()
    urls: list[str] = []
    _collect(app, connected.id, clock.at(0, hour=8), log=urls)
    assert "follower_demographics" not in _metrics_asked(urls)
    reasons = {r.reason for r in session.scalars(select(AudienceBreakdown))}
    assert reasons == {"fewer_than_100_followers"}


def test_collection_slows_down_above_75_percent_usage(app, connected, clock, session):
    urls: list[str] = []
    done = _collect(app, connected.id, clock.at(0, hour=8), usage=80, log=urls)
    assert done["media_read"] == 3 and done["audience"] == 0
    assert _collect(app, connected.id, clock.at(0, hour=9), usage=96) == {
        "insight_days": 0,
        "media_listed": 0,
        "media_read": 0,
        "audience": 0,
    }


def test_throttling_defers_the_account(app, connected, clock, ig_stack, session):
    ig_stack.admin(
        "POST",
        "faults",
        {"kind": "throttle", "code": 80002, "endpoint": "*/insights", "minutes": 30, "count": None},
    )
    now = clock.at(0, hour=8)
    _collect(app, connected.id, now)
    state = session.scalar(select(AnalyticsState))
    assert state.last_error == "rate_limited_business"
    assert state.retry_at >= now + timedelta(minutes=29)
    # The job leaves the account alone until then.
    with app.app_context():
        assert collect(now + timedelta(minutes=5)) == 0


def test_a_dead_token_marks_the_account_for_reconnection(app, connected, clock, ig_stack, session):
    ig_stack.admin("POST", "faults", {"kind": "token_invalid", "count": None})
    _collect(app, connected.id, clock.at(0, hour=8))
    session.expire_all()
    assert session.get(InstagramAccount, connected.id).status == "reconnect_needed"


def test_the_demo_account_shows_growth_and_post_performance_from_the_sandbox(
    app, client, connected, clock, in_app, session
):
    """Done-when of the issue: what the worker collects from the sandbox is what the pages
    show, for the workspace (read from the roll-ups) and for the account."""
    counts = []
    for day in (-1, 0):
        in_app(take_snapshots, clock.at(day, hour=8))
        counts.append(clock.followers())
        in_app(collect, clock.at(day, hour=8))
    assert counts[0] != counts[1]  # the sandbox's followers change daily

    for scope in ("", f"&account={connected.id}"):
        text = client.get(f"/analytics/?days=30{scope}").text
        assert _chart(text, "followers-chart")["datasets"][0]["data"][-2:] == counts
        assert _chart(text, "net-chart")["datasets"][0]["data"][-1] == counts[1] - counts[0]
        assert f'id="followers-now">{counts[1]:,}<' in text
        reach = sum(d.reach for d in session.scalars(select(AccountInsightDay)))
        assert reach and f'data-metric="reach">{reach:,}<' in text

    rows = session.scalars(select(MediaInsight).where(MediaInsight.fetch_count > 0)).all()
    posts = client.get("/analytics/posts?sort=reach&dir=desc").text
    best = max(rows, key=lambda m: m.reach)
    assert len(rows) == 24 and best.permalink in posts
    assert posts.index(best.permalink) < posts.index(min(rows, key=lambda m: m.reach).permalink)
