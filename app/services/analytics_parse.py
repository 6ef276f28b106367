"""Reading Instagram insights answers (fact sheet §7) into plain values.

Every shape Meta documents or public code records is accepted: `total_value` (with or
without breakdowns), `values` lists (time series and the legacy per-day shape), empty
`data`, and metrics left out. Anything absent reads as None ("not available"), never 0.
"""

from __future__ import annotations

from typing import Any

# Account metrics read per day with metric_type=total_value in one request (§7.1).
# Deprecated ones (impressions, profile_views, ...) are never asked for.
ACCOUNT_DAY_METRICS = (
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
)
# Asked for separately: its follow_type breakdown gives follows and unfollows.
FOLLOWS_METRIC = "follows_and_unfollows"

# Media metrics per product type (§7.2): only ones that surface supports, so Instagram never
# answers code 100 for an unsupported metric.
MEDIA_METRICS = {
    "FEED": ("reach", "views", "likes", "comments", "saved", "shares", "total_interactions"),
    "REELS": ("reach", "views", "likes", "comments", "saved", "shares", "total_interactions"),
    "STORY": ("reach", "views", "shares", "total_interactions", "replies"),
}
AUDIENCE_DIMENSIONS = ("age", "gender", "country", "city")


def as_int(value: Any) -> int | None:
    """An integer figure, or None when Instagram sent none (or something unreadable)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def metric_value(item: dict[str, Any]) -> int | None:
    """The single figure of one metric item, whatever its shape."""
    total = item.get("total_value")
    if isinstance(total, dict) and "value" in total:
        return as_int(total.get("value"))
    values = item.get("values")
    if isinstance(values, list) and values:
        # A time series over the asked window: the sum is the window's figure.
        figures = [as_int(v.get("value")) for v in values if isinstance(v, dict)]
        figures = [f for f in figures if f is not None]
        return sum(figures) if figures else None
    if "value" in item:
        return as_int(item.get("value"))
    return None


def metrics_by_name(data: list[dict[str, Any]]) -> dict[str, int | None]:
    """{metric name: figure} for an insights `data` list."""
    out: dict[str, int | None] = {}
    for item in data or []:
        if isinstance(item, dict) and item.get("name"):
            out[str(item["name"])] = metric_value(item)
    return out


def breakdown_results(item: dict[str, Any]) -> list[tuple[str, int]]:
    """[(dimension value, figure)] of the first breakdown of a total_value item."""
    total = item.get("total_value")
    if not isinstance(total, dict):
        return []
    rows: list[tuple[str, int]] = []
    for breakdown in total.get("breakdowns") or []:
        for result in breakdown.get("results") or []:
            keys = result.get("dimension_values") or []
            value = as_int(result.get("value"))
            if keys and value is not None:
                rows.append((str(keys[0]), value))
        break
    return rows


def follows_unfollows(data: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """(follows, unfollows) from follows_and_unfollows broken down by follow_type."""
    for item in data or []:
        if item.get("name") != FOLLOWS_METRIC:
            continue
        results = dict(breakdown_results(item))
        if results:
            return results.get("FOLLOWER"), results.get("NON_FOLLOWER")
        # No breakdown (fewer than 100 followers): only the total is known.
        return None, None
    return None, None


def demographics(data: list[dict[str, Any]]) -> list[tuple[str, int]] | None:
    """Follower demographics along one dimension by count, or None when not available."""
    for item in data or []:
        rows = breakdown_results(item)
        if rows:
            return sorted(rows, key=lambda r: (-r[1], r[0]))
    return None


def media_metrics(values: dict[str, Any]) -> dict[str, int | None]:
    """Media insights {name: value} as integers (missing = None)."""
    return {name: as_int(value) for name, value in values.items()}


def engagement_rate(
    reach: int | None,
    interactions: int | None,
    parts: tuple[int | None, ...] = (),
) -> float | None:
    """Interactions / reach; None when reach is unknown or zero."""
    if not reach:
        return None
    if interactions is None:
        known = [p for p in parts if p is not None]
        if not known:
            return None
        interactions = sum(known)
    return round(interactions / reach, 6)
