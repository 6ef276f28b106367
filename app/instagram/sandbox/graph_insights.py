"""Sandbox handlers: account and media insights with the 2025 deprecations (§7)."""

from __future__ import annotations

import hashlib
from typing import Any

from app.instagram.sandbox.common import GraphError, params, require_scope
from app.instagram.sandbox.state import SandboxState, Token, iso

ACCOUNT_METRICS = {
    # name: (title, allowed breakdowns)
    "reach": ("Accounts reached", {"media_product_type", "follow_type"}),
    "views": ("Views", {"follower_type", "follow_type", "media_product_type"}),
    "accounts_engaged": ("Accounts engaged", set()),
    "total_interactions": ("Total interactions", {"media_product_type"}),
    "likes": ("Likes", {"media_product_type"}),
    "comments": ("Comments", {"media_product_type"}),
    "saves": ("Saves", {"media_product_type"}),
    "shares": ("Shares", {"media_product_type"}),
    "replies": ("Replies", set()),
    "reposts": ("Reposts", set()),
    "profile_links_taps": ("Profile links taps", {"contact_button_type"}),
    "follows_and_unfollows": ("Follows and unfollows", {"follow_type"}),
    "follower_demographics": ("Follower demographics", {"age", "city", "country", "gender"}),
    "engaged_audience_demographics": (
        "Engaged audience demographics",
        {"age", "city", "country", "gender"},
    ),
}
DEMOGRAPHICS = {"follower_demographics", "engaged_audience_demographics"}
DEPRECATED_ACCOUNT = {
    "impressions",
    "profile_views",
    "website_clicks",
    "email_contacts",
    "phone_call_clicks",
    "text_message_clicks",
    "get_direction_clicks",
}
MEDIA_METRICS = {
    "reach",
    "views",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
    "reposts",
    "follows",
    "profile_visits",
    "profile_activity",
    "navigation",
    "replies",
    "link_clicks",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "reels_skip_rate",
    "facebook_views",
    "crossposted_views",
}
STORY_ONLY = {"navigation", "replies", "link_clicks"}
REELS_ONLY = {
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "reels_skip_rate",
    "facebook_views",
    "crossposted_views",
}
DEPRECATED_MEDIA = {
    "impressions",
    "plays",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "video_views",
}
BREAKDOWN_VALUES = {
    "media_product_type": ["POST", "REEL", "STORY", "CAROUSEL_CONTAINER"],
    "follow_type": ["FOLLOWER", "NON_FOLLOWER"],
    "follower_type": ["FOLLOWER", "NON_FOLLOWER"],
    "contact_button_type": ["CALL", "DIRECTION", "EMAIL", "TEXT"],
    "age": ["18-24", "25-34", "35-44", "45-54"],
    "city": ["Almaty, Almaty", "Astana, Astana", "Shymkent, Shymkent"],
    "country": ["KZ", "RU", "UZ", "KG"],
    "gender": ["F", "M", "U"],
}


def _value(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 900 + 20


def _metric_list(raw: str | None) -> list[str]:
    metrics = [m.strip() for m in str(raw or "").split(",") if m.strip()]
    if not metrics:
        raise GraphError(100, "(#100) The parameter metric is required")
    return metrics


def account_insights(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<IG_ID>/insights."""
    require_scope(token, "instagram_business_manage_insights")
    args = params()
    metric_type = args.get("metric_type", "total_value")
    breakdown = args.get("breakdown")
    day = _window_day(st, args)
    seed = st.config["seed"]
    data = []
    for i, name in enumerate(_metric_list(args.get("metric"))):
        if name in DEPRECATED_ACCOUNT:
            raise GraphError(
                100,
                f"(#100) metric[{i}] must be one of the following "
                f"values: {', '.join(ACCOUNT_METRICS)}",
            )
        if name == "follower_count":
            data.append(_follower_count(st, node))
            continue
        if name not in ACCOUNT_METRICS:
            raise GraphError(
                100,
                f"(#100) metric[{i}] must be one of the following "
                f"values: {', '.join(ACCOUNT_METRICS)}",
            )
        title, allowed = ACCOUNT_METRICS[name]
        if name in DEMOGRAPHICS and not breakdown:
            raise GraphError(100, "(#100) Demographic metrics require a breakdown")
        if name in DEMOGRAPHICS and not _demographics_qualify(st, node):
            # Under the follower threshold Instagram answers an empty set, not zeros.
            continue
        period = "lifetime" if name in DEMOGRAPHICS else "day"
        item: dict[str, Any] = {
            "name": name,
            "period": period,
            "title": title,
            "description": f"Sandbox {title.lower()}",
            "id": f"{node}/insights/{name}/{period}",
        }
        if metric_type == "time_series":
            if name != "reach":
                raise GraphError(100, "(#100) metric_type=time_series is only supported for reach")
            # Breakdowns are dropped with time_series (fact sheet §7.1).
            item["values"] = [
                {"value": _value(seed, node, name, d), "end_time": iso((d + 1) * 86400)}
                for d in range(day - 1, day + 1)
            ]
        else:
            total: dict[str, Any] = {"value": _value(seed, node, name, day)}
            if breakdown:
                keys = [b.strip() for b in breakdown.split(",")]
                if not set(keys) <= allowed:
                    raise GraphError(1, "An unknown error has occurred.")
                results = [
                    {"dimension_values": [v], "value": _value(seed, node, name, v)}
                    for v in BREAKDOWN_VALUES[keys[0]]
                ]
                total["breakdowns"] = [{"dimension_keys": keys[:1], "results": results}]
            item["total_value"] = total
        data.append(item)
    return {"data": data}


def _window_day(st: SandboxState, args: dict) -> int:
    # since/until (Unix) pick the day the figures are for; default: the last 24 h.
    for key, shift in (("until", -1), ("since", 0)):
        raw = args.get(key)
        if raw:
            try:
                return st.day(float(raw) + shift)
            except ValueError:
                raise GraphError(100, f"(#100) Param {key} must be a Unix time") from None
    return st.day()


def _demographics_qualify(st: SandboxState, node: str) -> bool:
    acc = st.accounts[node]
    return st.followers_on(acc, st.day()) >= int(st.config.get("demographics_min_followers", 100))


def story_reach(st: SandboxState, media) -> int:
    """Viewers of a Story grow with its age (3 an hour), so insights appear after a while."""
    return media.reach + int(max(0.0, st.now() - media.timestamp) // 1200)


def _follower_count(st: SandboxState, node: str) -> dict[str, Any]:
    # Legacy metric (absent from the current table): new followers per day, 30 days.
    acc = st.accounts[node]
    today = st.day()
    values = [
        {
            "value": st.followers_on(acc, d) - st.followers_on(acc, d - 1),
            "end_time": iso((d + 1) * 86400),
        }
        for d in range(today - 1, today + 1)
    ]
    return {
        "name": "follower_count",
        "period": "day",
        "title": "Follower count",
        "description": "New followers per day",
        "values": values,
        "id": f"{node}/insights/follower_count/day",
    }


def media_insights(st: SandboxState, token: Token, node: str) -> dict[str, Any]:
    """GET /<MEDIA_ID>/insights (period is always lifetime)."""
    require_scope(token, "instagram_business_manage_insights")
    media = st.media[node]
    if media.is_child:
        raise GraphError(10, "(#10) Insights are not available for carousel children")
    reach = story_reach(st, media) if media.product_type == "STORY" else media.reach
    if media.product_type == "STORY" and reach < 5:
        raise GraphError(10, "(#10) Not enough viewers for the media to show insights")
    data = []
    for name in _metric_list(params().get("metric")):
        unsupported = (
            name in DEPRECATED_MEDIA
            or name not in MEDIA_METRICS
            or (name in STORY_ONLY and media.product_type != "STORY")
            or (name in REELS_ONLY and media.product_type != "REELS")
            or (name == "saved" and media.product_type == "STORY")
        )
        if unsupported:
            raise GraphError(
                100,
                f"(#100) The Media Insights API does not support the "
                f"{name} metric for this media product type.",
            )
        base = {
            "reach": reach,
            "views": max(media.views, reach),
            "likes": media.like_count,
            "saved": media.saved,
            "shares": media.shares,
            "comments": sum(1 for c in st.comments.values() if c.media_id == node),
        }
        value = base.get(name)
        if name == "total_interactions":
            value = media.like_count + media.saved + media.shares + base["comments"]
        if value is None:
            value = _value(st.config["seed"], node, name)
        data.append(
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": value}],
                "title": name.replace("_", " ").capitalize(),
                "description": f"Sandbox {name}",
                "id": f"{node}/insights/{name}/lifetime",
            }
        )
    return {"data": data}
