"""Parsing of Meta's rate-limit usage headers (fact sheet §10.1)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

APP_USAGE_HEADER = "X-App-Usage"
BUC_USAGE_HEADER = "X-Business-Use-Case-Usage"


@dataclass(frozen=True)
class AppUsage:
    """X-App-Usage: percentages (0-100) of the app's hourly allowance."""

    call_count: float = 0
    total_cputime: float = 0
    total_time: float = 0

    @property
    def max_percent(self) -> float:
        """The highest of the three percentages."""
        return max(self.call_count, self.total_cputime, self.total_time)


@dataclass(frozen=True)
class BusinessUsage:
    """One entry of X-Business-Use-Case-Usage for one business (IG account) id."""

    business_id: str
    type: str = ""
    call_count: float = 0
    total_cputime: float = 0
    total_time: float = 0
    estimated_time_to_regain_access: float = 0  # minutes

    @property
    def max_percent(self) -> float:
        """The highest of the three percentages."""
        return max(self.call_count, self.total_cputime, self.total_time)


@dataclass(frozen=True)
class UsageInfo:
    """Both usage headers of one response."""

    app: AppUsage | None = None
    business: tuple[BusinessUsage, ...] = field(default_factory=tuple)

    @property
    def max_percent(self) -> float:
        """The highest percentage across every header entry (0 when absent)."""
        values = [b.max_percent for b in self.business]
        if self.app is not None:
            values.append(self.app.max_percent)
        return max(values, default=0.0)

    @property
    def regain_access_seconds(self) -> int:
        """Longest estimated_time_to_regain_access, converted from minutes."""
        minutes = max((b.estimated_time_to_regain_access for b in self.business), default=0)
        return int(minutes * 60)

    def for_business(self, business_id: str) -> BusinessUsage | None:
        """The entry for one IG account id, if the header carried it."""
        return next((b for b in self.business if b.business_id == business_id), None)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def parse_usage_headers(headers: Mapping[str, str]) -> UsageInfo | None:
    """Parse X-App-Usage and X-Business-Use-Case-Usage; None if neither is usable."""
    app_raw = headers.get(APP_USAGE_HEADER)
    buc_raw = headers.get(BUC_USAGE_HEADER)
    app: AppUsage | None = None
    business: list[BusinessUsage] = []
    if app_raw:
        try:
            data = json.loads(app_raw)
            app = AppUsage(
                call_count=_number(data.get("call_count")),
                total_cputime=_number(data.get("total_cputime")),
                total_time=_number(data.get("total_time")),
            )
        except (ValueError, AttributeError):
            log.warning("unparsable %s header", APP_USAGE_HEADER)
    if buc_raw:
        try:
            data = json.loads(buc_raw)
            for business_id, entries in data.items():
                # Documented as a list of dicts; tolerate a single dict too.
                if isinstance(entries, dict):
                    entries = [entries]
                for entry in entries:
                    business.append(
                        BusinessUsage(
                            business_id=str(business_id),
                            type=str(entry.get("type", "")),
                            call_count=_number(entry.get("call_count")),
                            total_cputime=_number(entry.get("total_cputime")),
                            total_time=_number(entry.get("total_time")),
                            estimated_time_to_regain_access=_number(
                                entry.get("estimated_time_to_regain_access")
                            ),
                        )
                    )
        except (ValueError, AttributeError, TypeError):
            log.warning("unparsable %s header", BUC_USAGE_HEADER)
    if app is None and not business:
        return None
    return UsageInfo(app=app, business=tuple(business))
