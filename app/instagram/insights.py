"""Insights (fact sheet §7) and webhook subscriptions (§8.2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.instagram.transport import Transport

# Metrics removed in 2025 (fact sheet §7); asking for them fails with code 100.
DEPRECATED_ACCOUNT_METRICS = frozenset(
    {
        "impressions",
        "profile_views",
        "website_clicks",
        "email_contacts",
        "phone_call_clicks",
        "text_message_clicks",
        "get_direction_clicks",
    }
)
DEPRECATED_MEDIA_METRICS = frozenset(
    {
        "impressions",
        "plays",
        "clips_replays_count",
        "ig_reels_aggregated_all_plays_count",
        "video_views",
    }
)


def _uid(ig_user_id: str) -> str | None:
    return None if ig_user_id == "me" else ig_user_id


class InsightsMixin(Transport):
    """Account and media insights, webhook subscription of an account."""

    def get_account_insights(
        self,
        access_token: str,
        *,
        metrics: Iterable[str],
        period: str = "day",
        metric_type: str | None = "total_value",
        breakdown: str | None = None,
        since: int | None = None,
        until: int | None = None,
        timeframe: str | None = None,
        ig_user_id: str = "me",
    ) -> list[dict[str, Any]]:
        """Account metrics; each item has total_value or values."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/insights",
            access_token,
            params={
                "metric": ",".join(metrics),
                "period": period,
                "metric_type": metric_type,
                "breakdown": breakdown,
                "since": since,
                "until": until,
                "timeframe": timeframe,
            },
            ig_user_id=_uid(ig_user_id),
        )
        return list(payload.get("data") or [])

    def get_media_insights(
        self, access_token: str, media_id: str, *, metrics: Iterable[str]
    ) -> dict[str, int]:
        """Lifetime media metrics as {name: value}."""
        payload = self.graph(
            "GET", f"{media_id}/insights", access_token, params={"metric": ",".join(metrics)}
        )
        result: dict[str, int] = {}
        for item in payload.get("data") or []:
            values = item.get("values") or []
            if values:
                result[item["name"]] = values[0].get("value")
            elif "total_value" in item:
                result[item["name"]] = item["total_value"].get("value")
        return result

    def subscribe_webhooks(
        self, access_token: str, *, fields: Iterable[str], ig_user_id: str = "me"
    ) -> bool:
        """Subscribe the account to webhook fields (comments, messages, ...)."""
        payload = self.graph(
            "POST",
            f"{ig_user_id}/subscribed_apps",
            access_token,
            data={"subscribed_fields": ",".join(fields)},
            ig_user_id=_uid(ig_user_id),
        )
        return bool(payload.get("success"))

    def list_webhook_subscriptions(
        self, access_token: str, *, ig_user_id: str = "me"
    ) -> list[dict[str, Any]]:
        """Apps subscribed on the account with their fields."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/subscribed_apps",
            access_token,
            ig_user_id=_uid(ig_user_id),
        )
        return list(payload.get("data") or [])

    def unsubscribe_webhooks(self, access_token: str, *, ig_user_id: str = "me") -> bool:
        """Remove the app's webhook subscription on the account."""
        payload = self.graph(
            "DELETE",
            f"{ig_user_id}/subscribed_apps",
            access_token,
            ig_user_id=_uid(ig_user_id),
        )
        return bool(payload.get("success"))
