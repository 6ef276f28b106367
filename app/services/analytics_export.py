"""CSV exports of every analytics table and series: UTF-8 with a BOM so Excel reads
Cyrillic and Kazakh text correctly; ISO dates and plain numbers so they read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from app.models.analytics import ACCOUNT_METRIC_COLUMNS
from app.services.analytics_best_time import HeatMap

BOM = "\ufeff"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    """A CSV document (with BOM); None becomes an empty cell, never 0."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return BOM + buf.getvalue()


def followers_csv(points) -> str:
    """Date, followers, follows, media, net change, missing."""
    return to_csv(
        [_("Date"), _("Followers"), _("Following"), _("Posts"), _("Net change"), _("Missing")],
        (
            [
                p.day.isoformat(),
                p.followers,
                p.follows,
                p.media_count,
                p.net_change,
                "1" if p.missing else "",
            ]
            for p in points
        ),
    )


def insights_csv(days: list[dict]) -> str:
    """One row per day with every account metric."""
    return to_csv(
        [_("Date"), *ACCOUNT_METRIC_COLUMNS],
        ([d["day"].isoformat(), *[d[c] for c in ACCOUNT_METRIC_COLUMNS]] for d in days),
    )


def posts_csv(rows) -> str:
    """The post performance table."""
    return to_csv(
        [
            _("Account"),
            _("Type"),
            _("Published"),
            _("Caption"),
            _("Reach"),
            _("Views"),
            _("Likes"),
            _("Comments"),
            _("Saves"),
            _("Shares"),
            _("Interactions"),
            _("Engagement rate"),
            _("Link"),
        ],
        (
            [
                username,
                m.media_product_type,
                m.posted_at.isoformat(),
                m.caption or "",
                m.reach,
                m.views,
                m.likes,
                m.comments,
                m.saved,
                m.shares,
                m.total_interactions,
                m.engagement_rate,
                m.permalink,
            ]
            for m, username, _post in rows
        ),
    )


def audience_csv(breakdowns: dict) -> str:
    """Dimension, value, followers; a dimension without data says so."""
    rows = []
    for dimension, row in breakdowns.items():
        if row is None or not row.data:
            rows.append([dimension, _("Not available"), None])
            continue
        rows.extend([dimension, value, count] for value, count in row.data)
    return to_csv([_("Dimension"), _("Value"), _("Followers")], rows)


def best_time_csv(hm: HeatMap) -> str:
    """Weekday, hour, posts and mean engagement rate per slot."""
    return to_csv(
        [_("Weekday"), _("Hour"), _("Posts"), _("Engagement rate")],
        ([WEEKDAYS[c.weekday], c.hour, c.posts, c.engagement] for row in hm.cells for c in row),
    )
