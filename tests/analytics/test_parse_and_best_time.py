"""Insights parsing of every response shape in the reference (§7), the falling schedule,
and the best-time heat map on known data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services import analytics_parse as parse
from app.services.analytics_best_time import build, suggest_slots
from app.services.analytics_media import next_fetch
from tests.analytics.conftest import ALMATY, add_post

TOTAL_WITH_BREAKDOWN = {
    "data": [
        {
            "name": "reach",
            "period": "day",
            "title": "Accounts reached",
            "description": "...",
            "total_value": {
                "value": 224,
                "breakdowns": [
                    {
                        "dimension_keys": ["media_product_type"],
                        "results": [
                            {"dimension_values": ["POST"], "value": 124},
                            {"dimension_values": ["REEL"], "value": 100},
                        ],
                    }
                ],
            },
            "id": "1/insights/reach/day",
        }
    ],
    "paging": {"previous": "...", "next": "..."},
}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TOTAL_WITH_BREAKDOWN["data"], {"reach": 224}),
        ([{"name": "views", "total_value": {"value": 0}}], {"views": 0}),
        (
            [{"name": "reach", "values": [{"value": 3, "end_time": "x"}, {"value": 4}]}],
            {"reach": 7},
        ),
        ([{"name": "reach", "values": []}], {"reach": None}),
        ([{"name": "likes", "total_value": {}}], {"likes": None}),
        ([{"name": "saves", "total_value": {"value": "12"}}], {"saves": 12}),
        ([{"name": "shares", "total_value": {"value": None}}], {"shares": None}),
        ([], {}),
    ],
)
def test_metric_shapes(data, expected):
    assert parse.metrics_by_name(data) == expected


def test_unavailable_is_none_never_zero():
    values = parse.metrics_by_name([{"name": "reach", "total_value": {"value": 5}}])
    assert values.get("views") is None
    assert parse.as_int(None) is None and parse.as_int(True) is None and parse.as_int("x") is None


def test_follows_and_unfollows_from_the_follow_type_breakdown():
    data = [
        {
            "name": "follows_and_unfollows",
            "total_value": {
                "value": 9,
                "breakdowns": [
                    {
                        "dimension_keys": ["follow_type"],
                        "results": [
                            {"dimension_values": ["FOLLOWER"], "value": 7},
                            {"dimension_values": ["NON_FOLLOWER"], "value": 2},
                        ],
                    }
                ],
            },
        }
    ]
    assert parse.follows_unfollows(data) == (7, 2)
    no_breakdown = [{"name": "follows_and_unfollows", "total_value": {"value": 9}}]
    assert parse.follows_unfollows(no_breakdown) == (None, None)
    assert parse.follows_unfollows([]) == (None, None)


def test_demographics_sorted_and_empty_means_not_available():
    data = [
        {
            "name": "follower_demographics",
            "period": "lifetime",
            "total_value": {
                "breakdowns": [
                    {
                        "dimension_keys": ["city"],
                        "results": [
                            {"dimension_values": ["Astana, Astana"], "value": 40},
                            {"dimension_values": ["Almaty, Almaty"], "value": 90},
                        ],
                    }
                ]
            },
        }
    ]
    assert parse.demographics(data) == [("Almaty, Almaty", 90), ("Astana, Astana", 40)]
    assert parse.demographics([]) is None
    assert parse.demographics([{"name": "follower_demographics", "total_value": {}}]) is None
    empty = [
        {
            "name": "follower_demographics",
            "total_value": {"breakdowns": [{"dimension_keys": ["age"], "results": []}]},
        }
    ]
    assert parse.demographics(empty) is None


def test_engagement_rate():
    assert parse.engagement_rate(200, 10) == 0.05
    assert parse.engagement_rate(0, 10) is None and parse.engagement_rate(None, 10) is None
    assert parse.engagement_rate(100, None, (3, None, 2)) == 0.05
    assert parse.engagement_rate(100, None, (None,)) is None


def test_deprecated_metrics_are_never_in_the_lists():
    from app.instagram.insights import DEPRECATED_ACCOUNT_METRICS, DEPRECATED_MEDIA_METRICS

    assert not set(parse.ACCOUNT_DAY_METRICS) & DEPRECATED_ACCOUNT_METRICS
    for metrics in parse.MEDIA_METRICS.values():
        assert not set(metrics) & DEPRECATED_MEDIA_METRICS


NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("product", "age", "wait"),
    [
        ("FEED", timedelta(hours=1), timedelta(hours=2)),
        ("REELS", timedelta(days=3), timedelta(hours=12)),
        ("FEED", timedelta(days=20), timedelta(days=2)),
        ("FEED", timedelta(days=60), timedelta(days=7)),
        ("FEED", timedelta(days=85), None),  # the next read would be past 90 days
        ("FEED", timedelta(days=120), None),
        ("STORY", timedelta(hours=1), timedelta(hours=4)),
        ("STORY", timedelta(hours=21), timedelta(hours=2, minutes=30)),
        ("STORY", timedelta(hours=23, minutes=40), None),
    ],
)
def test_falling_schedule(product, age, wait):
    nxt = next_fetch(product, NOW - age, NOW)
    assert (nxt - NOW if nxt else None) == wait


def _at(weekday: int, hour: int) -> datetime:
    """A Monday-based local (Almaty) time in a fixed past week, as UTC."""
    base = datetime(2026, 11, 16, tzinfo=ALMATY)  # a Monday
    return (base + timedelta(days=weekday, hours=hour)).astimezone(UTC)


def test_heat_map_on_known_data():
    samples = [(_at(0, 9), 0.10), (_at(0, 9), 0.20), (_at(2, 18), 0.05), (_at(6, 23), 0.30)]
    hm = build(samples, "Asia/Almaty")
    assert hm.posts == 4
    assert hm.cells[0][9].posts == 2 and hm.cells[0][9].engagement == pytest.approx(0.15)
    assert hm.cells[2][18].engagement == pytest.approx(0.05)
    assert hm.cells[6][23].engagement == pytest.approx(0.30)
    assert hm.cells[1][9].engagement is None and hm.cells[1][9].posts == 0
    assert [(c.weekday, c.hour) for c in hm.best(2)] == [(6, 23), (0, 9)]
    # The same posts seen from UTC land five hours earlier (Almaty is UTC+5).
    utc = build(samples, "UTC")
    assert utc.cells[0][4].posts == 2 and utc.cells[6][18].posts == 1


def test_suggested_slots_come_next_at_the_best_hours(make_user, make_ig_account, session):
    ws = make_user("alice").memberships[0].workspace_id
    account = make_ig_account(ws)
    now = _at(7 + 2, 12)  # Wednesday 12:00 of the week after, local
    for weekday, hour, reach, interactions in [
        (0, 9, 100, 30),
        (0, 9, 100, 10),
        (4, 19, 100, 5),
        (2, 8, 100, 1),
    ]:
        add_post(
            session, account, posted_at=_at(weekday, hour), reach=reach, interactions=interactions
        )
    slots = suggest_slots(session, ws, account.id, "Asia/Almaty", now=now, count=2)
    local = [s.astimezone(ALMATY) for s in slots]
    assert [(s.weekday(), s.hour) for s in local] == [(4, 19), (0, 9)]
    assert all(s > now for s in slots) and local[0].date() < local[1].date()
    assert (
        suggest_slots(session, ws, account.id, "Asia/Almaty", now=now + timedelta(days=200)) == []
    )  # no posts in the last 90 days: nothing to suggest
