"""Request parsing and display helpers shared by the analytics views and exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, g, request, url_for
from flask_babel import get_locale
from werkzeug.routing import BuildError

from app.extensions import db
from app.models import InstagramAccount
from app.services.accounts import list_accounts
from app.services.analytics import local_day, zone
from app.services.analytics_queries import POST_SORTS, PRODUCT_TYPES, RANGES, PostFilter
from app.web.context import current_workspace_id, get_or_404

# Kezek's own queue entry of a post, if the publishing area offers one.
POST_ENDPOINTS = ("publishing.detail", "publishing.post", "publishing.edit")


@dataclass
class Scope:
    """What a page shows: one account or the whole workspace, over a range of days."""

    workspace_id: int
    timezone: str
    accounts: list[InstagramAccount]
    account: InstagramAccount | None
    days: int
    today: date

    @property
    def ids(self) -> list[int]:
        return [self.account.id] if self.account else [a.id for a in self.accounts]

    @property
    def account_id(self) -> int | None:
        """The account shown, or None for the whole workspace."""
        return self.account.id if self.account else None

    @property
    def start(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    def args(self, **extra) -> dict:
        """Query arguments that keep this scope in links."""
        base = {"days": self.days}
        if self.account:
            base["account"] = self.account.id
        return {**base, **{k: v for k, v in extra.items() if v not in (None, "")}}


def scope(default_account: bool = False) -> Scope:
    """The scope from ?account=&days= (an account of another workspace is a 404)."""
    ws_id = current_workspace_id()
    accounts = list_accounts(db.session, ws_id)
    account = None
    raw = request.args.get("account", "")
    if raw:
        account = get_or_404(InstagramAccount, raw)
    elif default_account and accounts:
        account = accounts[0]
    days = request.args.get("days", type=int)
    days = days if days in RANGES else RANGES[0]
    tz_name = g.workspace.timezone
    return Scope(ws_id, tz_name, accounts, account, days, local_day(tz_name))


def post_filter(sc: Scope) -> PostFilter:
    """Filters of the post performance table from the query string."""
    tz = zone(sc.timezone)

    def day_arg(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    start, end = day_arg("from"), day_arg("to")
    sort = request.args.get("sort", "posted_at")
    product = request.args.get("type", "")
    return PostFilter(
        start=datetime.combine(start, time(0), tz).astimezone(UTC) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(UTC)
        if end and end < date.max
        else None,
        product=product if product in PRODUCT_TYPES else None,
        sort=sort if sort in POST_SORTS else "posted_at",
        descending=request.args.get("dir", "desc") != "asc",
    )


@lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str]:
    from babel.numbers import get_group_symbol, get_minus_sign_symbol

    return get_group_symbol(locale), get_minus_sign_symbol(locale)


@lru_cache(maxsize=4096)
def _day_text(value: date, locale: str) -> str:
    from babel.dates import format_date as babel_date

    return babel_date(value, "medium", locale=locale)


class Formats:
    """Locale formatting for one request: "not available" stays None, never 0.

    The locale is looked up once: the 729-day tables format thousands of values, and Babel's
    own helpers (which resolve the locale on every call) would dominate the page's time.
    """

    def __init__(self, locale: str | None = None, tz_name: str | None = None):
        self.locale = locale or str(get_locale())
        self.tz = zone(tz_name or g.workspace.timezone)
        self.group, self.minus = _symbols(self.locale)

    def number(self, value) -> str | None:
        """A locale-formatted number, or None."""
        if value is None:
            return None
        if isinstance(value, int):
            text = f"{abs(value):,}".replace(",", self.group)
            return self.minus + text if value < 0 else text
        return babel_numbers.format_decimal(value, locale=self.locale)

    def percent(self, value) -> str | None:
        """A locale-formatted percentage, or None."""
        if value is None:
            return None
        return babel_numbers.format_percent(value, "#,##0.0%", locale=self.locale)

    def signed(self, value) -> str | None:
        """A change with its sign (+12, −3), or None."""
        if value is None:
            return None
        return ("+" if value > 0 else "") + self.number(value)

    def day(self, value: date | None) -> str:
        """A day in the locale's medium date format."""
        return "" if value is None else _day_text(value, self.locale)

    def when(self, value: datetime | None) -> str:
        """A moment in the workspace timezone, short format."""
        if value is None:
            return ""
        return babel_dates.format_datetime(value, "short", tzinfo=self.tz, locale=self.locale)


def chart_json(kind: str, labels: list, datasets: list[dict], dates: bool = True) -> str:
    """The data- attribute a chart canvas carries (read by analytics.js)."""
    return json.dumps(
        {"type": kind, "dates": dates, "labels": labels, "datasets": datasets},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def post_link(post_id: int | None) -> str | None:
    """The URL of a post's queue entry in Kezek, when the publishing area has one."""
    if post_id is None:
        return None
    for endpoint in POST_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, post_id=post_id)
            except BuildError:
                continue
    return None
