"""The queue (filtered, paged) and the month/week calendar in the workspace timezone."""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template, request
from flask_babel import format_date, format_time
from flask_login import login_required

from app.extensions import db
from app.models import PostStatus, PostType
from app.services.accounts import list_accounts
from app.services.posts import list_posts
from app.web.context import current_workspace_id
from app.web.post_messages import status_label
from app.web.publishing import bp
from app.web.publishing.helpers import (
    month_grid,
    month_shift,
    place,
    post_time,
    utc_bounds,
    week_of,
    workspace_tz,
)
from app.web.publishing.messages import type_label

PAGE_SIZE = 25
CALENDAR_LIMIT = 2000


def _arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/")
@login_required
def index():
    ws_id = current_workspace_id()
    accounts = list_accounts(db.session, ws_id)
    account_id = _arg_int("account")
    status = request.args.get("status") or None
    ptype = request.args.get("type") or None
    if status not in {s.value for s in PostStatus}:
        status = None
    if ptype not in {t.value for t in PostType}:
        ptype = None
    after = _arg_int("after")
    rows = list_posts(
        db.session,
        ws_id,
        account_id=account_id,
        status=status,
        type=ptype,
        after_id=after,
        limit=PAGE_SIZE + 1,
    )
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    filters = {"account": account_id or "", "status": status or "", "type": ptype or ""}
    return render_template(
        "publishing/queue.html",
        posts=rows[:PAGE_SIZE],
        accounts=accounts,
        account_names={a.id: a.username for a in accounts},
        filters=filters,
        next_after=next_after,
        paged=after is not None,
        statuses=[s.value for s in PostStatus],
        types=[t.value for t in PostType],
        status_label=status_label,
        type_label=type_label,
        post_time=post_time,
        format_date=format_date,
        format_time=format_time,
    )


@bp.route("/calendar")
@login_required
def calendar():
    ws_id = current_workspace_id()
    tz = workspace_tz()
    view = "week" if request.args.get("view") == "week" else "month"
    try:
        anchor = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        anchor = datetime.now(tz).date()
    if view == "month":
        weeks = month_grid(anchor.year, anchor.month)
        prev_date, next_date = month_shift(anchor, -1), month_shift(anchor, 1)
    else:
        weeks = [week_of(anchor)]
        prev_date = weeks[0][0].fromordinal(weeks[0][0].toordinal() - 7)
        next_date = weeks[0][0].fromordinal(weeks[0][0].toordinal() + 7)
    days = [d for week in weeks for d in week]
    start, end = utc_bounds(days[0], days[-1], tz)
    account_id = _arg_int("account")
    posts = list_posts(
        db.session, ws_id, account_id=account_id, start=start, end=end, limit=CALENDAR_LIMIT
    )
    accounts = list_accounts(db.session, ws_id)
    return render_template(
        "publishing/calendar.html",
        view=view,
        anchor=anchor,
        weeks=weeks,
        by_day=place(posts, days, tz),
        today=datetime.now(tz).date(),
        prev_date=prev_date,
        next_date=next_date,
        tz=tz,
        accounts=accounts,
        account_id=account_id,
        account_names={a.id: a.username for a in accounts},
        status_label=status_label,
        type_label=type_label,
        post_time=post_time,
        format_date=format_date,
        format_time=format_time,
    )
