"""Analytics pages: overview (the morning page), posts, audience, best time to post."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.extensions import db
from app.models import utcnow
from app.services import analytics_queries as q
from app.services.analytics_best_time import heat_map, suggest_slots
from app.web.analytics import bp
from app.web.analytics.helpers import Formats, chart_json, post_filter, post_link, scope

PAGE_SIZE = 100
INSIGHT_FIGURES = (
    ("reach", _l("Accounts reached")),
    ("views", _l("Views")),
    ("accounts_engaged", _l("Accounts engaged")),
    ("total_interactions", _l("Interactions")),
    ("likes", _l("Likes")),
    ("comments", _l("Comments")),
    ("saves", _l("Saves")),
    ("shares", _l("Shares")),
    ("follows", _l("Follows")),
    ("unfollows", _l("Unfollows")),
    ("profile_links_taps", _l("Profile link taps")),
)


def _helpers() -> dict:
    f = Formats()
    return {
        "number": f.number,
        "percent": f.percent,
        "signed": f.signed,
        "fmt_day": f.day,
        "fmt_when": f.when,
        "post_link": post_link,
    }


@bp.route("/")
@login_required
def index():
    sc = scope()
    # The 1/7/30-day changes need 31 days whatever the range shown.
    first = min(sc.start, sc.today - timedelta(days=30))
    longer = q.scope_series(db.session, sc.workspace_id, sc.account_id, first, sc.today)
    series = longer[-sc.days :]
    recent = longer[-31:]
    days = q.scope_insight_days(db.session, sc.workspace_id, sc.account_id, sc.start, sc.today)
    labels = [p.day.isoformat() for p in series]
    charts = {
        "followers": chart_json(
            "line", labels, [{"label": _("Followers"), "data": [p.followers for p in series]}]
        ),
        "net": chart_json(
            "bar", labels, [{"label": _("Net change"), "data": [p.net_change for p in series]}]
        ),
        "reach": chart_json(
            "line",
            [d["day"].isoformat() for d in days],
            [
                {"label": _("Accounts reached"), "data": [d["reach"] for d in days]},
                {"label": _("Views"), "data": [d["views"] for d in days]},
            ],
        ),
    }
    best = q.best_posts(db.session, sc.workspace_id, sc.ids, utcnow() - timedelta(days=7))
    return render_template(
        "analytics/index.html",
        sc=sc,
        series=series,
        summary=q.overview(recent),
        days=days,
        totals=q.insight_totals(days),
        charts=charts,
        best=best,
        figures=INSIGHT_FIGURES,
        **_helpers(),
    )


@bp.route("/posts")
@login_required
def posts():
    sc = scope()
    flt = post_filter(sc)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = q.post_performance(
        db.session, sc.workspace_id, sc.ids, flt, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "analytics/posts.html",
        sc=sc,
        flt=flt,
        rows=rows[:PAGE_SIZE],
        page=page,
        more=len(rows) > PAGE_SIZE,
        sorts=q.POST_SORTS,
        types=q.PRODUCT_TYPES,
        args=request.args,
        **_helpers(),
    )


@bp.route("/audience")
@login_required
def audience():
    sc = scope(default_account=True)
    breakdowns = q.audience(db.session, sc.workspace_id, sc.account.id) if sc.account else {}
    charts = {
        dim: chart_json(
            "bar",
            [v for v, _c in row.data],
            [{"label": _("Followers"), "data": [c for _v, c in row.data]}],
            dates=False,
        )
        for dim, row in breakdowns.items()
        if row is not None and row.data
    }
    return render_template(
        "analytics/audience.html", sc=sc, breakdowns=breakdowns, charts=charts, **_helpers()
    )


@bp.route("/best-time")
@login_required
def best_time():
    sc = scope()
    hm = heat_map(db.session, sc.workspace_id, sc.ids, sc.timezone)
    slots = (
        suggest_slots(db.session, sc.workspace_id, sc.account.id, sc.timezone) if sc.account else []
    )
    return render_template("analytics/best_time.html", sc=sc, hm=hm, slots=slots, **_helpers())
