"""The analytics pages and CSV exports: gaps, "not available", workspace scoping, BOM."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

from app.models import AudienceBreakdown, Post, utcnow
from tests.analytics.conftest import ALMATY, add_post, add_snapshots, local_today


def _chart(page: str, canvas_id: str) -> dict:
    match = re.search(rf'<canvas id="{canvas_id}" data-chart="([^"]*)"', page)
    assert match, f"no canvas {canvas_id}"
    return json.loads(html.unescape(match.group(1)))


def _seed(session, user, make_ig_account):
    ws = user.memberships[0].workspace_id
    account = make_ig_account(ws, "aruzhan.coffee")
    add_snapshots(session, account, {0: 1030, 1: 1020, 2: None, 3: 1000, 7: 990, 30: 900})
    return account


def test_overview_shows_followers_changes_and_gaps(logged_in, session, make_ig_account):
    client, user = logged_in
    account = _seed(session, user, make_ig_account)
    page = client.get(f"/analytics/?account={account.id}")
    assert page.status_code == 200
    text = page.text
    assert 'id="followers-now">1,030<' in text
    assert 'id="change-1">+10<' in text and 'id="change-7">+40<' in text
    assert 'id="change-30">+130<' in text
    chart = _chart(text, "followers-chart")
    assert chart["labels"][-1] == local_today().isoformat() and len(chart["labels"]) == 30
    followers = chart["datasets"][0]["data"]
    assert followers[-4:] == [1000, None, 1020, 1030]  # the missed day is a gap, not 1010
    net = _chart(text, "net-chart")["datasets"][0]["data"]
    assert net[-4:] == [None, None, None, 10]
    assert "Missing: no snapshot that day" in text
    # Insights never read: shown as not available, not as zero.
    assert 'data-metric="reach"><span class="text-body-secondary na">Not available' in text
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in text and "<script>" not in text


def test_workspace_overview_sums_accounts(logged_in, session, make_ig_account):
    client, user = logged_in
    _seed(session, user, make_ig_account)
    other = make_ig_account(user.memberships[0].workspace_id, "dauren.photo")
    add_snapshots(session, other, {0: 70, 1: 60})
    text = client.get("/analytics/?days=90").text
    assert 'id="followers-now">1,100<' in text and 'id="change-1">+20<' in text
    assert len(_chart(text, "followers-chart")["labels"]) == 90


def test_post_table_sorts_filters_and_links_kezek_posts(logged_in, session, make_ig_account):
    client, user = logged_in
    account = _seed(session, user, make_ig_account)
    now = utcnow()
    add_post(
        session,
        account,
        posted_at=now - timedelta(days=1),
        reach=100,
        interactions=5,
        caption="Low one",
    )
    high = add_post(
        session,
        account,
        posted_at=now - timedelta(days=2),
        reach=100,
        interactions=40,
        caption="High one",
    )
    add_post(
        session,
        account,
        posted_at=now - timedelta(hours=3),
        product="REELS",
        caption="Reel without figures",
    )
    session.add(
        Post(
            workspace_id=account.workspace_id,
            account_id=account.id,
            composition_id="c1",
            type="image",
            status="done",
            ig_media_id=high.ig_media_id,
        )
    )
    session.commit()
    text = client.get("/analytics/posts?sort=engagement_rate&dir=desc").text
    order = [text.index(c) for c in ("High one", "Low one", "Reel without figures")]
    assert order == sorted(order)  # unknown figures sort last
    assert "40.0%" in text
    assert "Queue entry" in text or "Published with Kezek" in text
    asc = client.get("/analytics/posts?sort=engagement_rate&dir=asc").text
    assert asc.index("Low one") < asc.index("High one") < asc.index("Reel without figures")
    reels = client.get("/analytics/posts?type=REELS").text
    assert "Reel without figures" in reels and "High one" not in reels
    day = (now - timedelta(days=2)).astimezone(ALMATY)
    only = client.get(f"/analytics/posts?from={day.date()}&to={day.date()}").text
    assert "High one" in only and "Low one" not in only
    best = client.get("/analytics/").text
    assert best.index("High one") < best.index("Low one")


def test_audience_not_available_is_shown_as_such(logged_in, session, make_ig_account):
    client, user = logged_in
    account = _seed(session, user, make_ig_account)
    session.add_all(
        [
            AudienceBreakdown(
                workspace_id=account.workspace_id,
                account_id=account.id,
                dimension="age",
                status="available",
                data=[["25-34", 60], ["18-24", 0]],
            ),
            AudienceBreakdown(
                workspace_id=account.workspace_id,
                account_id=account.id,
                dimension="city",
                status="not_available",
                reason="no_data",
            ),
        ]
    )
    session.commit()
    text = client.get(f"/analytics/audience?account={account.id}").text
    city = text[text.index('id="audience-city"') :]
    assert "Not available" in city[:600] and "<canvas" not in city[:600]
    assert _chart(text, "audience-chart-age")["datasets"][0]["data"] == [60, 0]  # a real zero
    gender = text[text.index('id="audience-gender"') :]
    assert "Not collected yet." in gender[:600]
    rows = _csv(client.get(f"/analytics/export/audience.csv?account={account.id}"))
    assert ["city", "Not available", ""] in rows and ["age", "18-24", "0"] in rows


def test_best_time_page_renders_the_heat_map(logged_in, session, make_ig_account):
    client, user = logged_in
    account = _seed(session, user, make_ig_account)
    for days in (1, 8, 15):
        add_post(
            session,
            account,
            posted_at=utcnow() - timedelta(days=days),
            reach=100,
            interactions=days,
        )
    text = client.get(f"/analytics/best-time?account={account.id}").text
    assert 'id="heatmap"' in text and "Based on 3 posts" in text
    assert "heat-5" in text and 'id="suggested-slots"' in text
    rows = _csv(client.get(f"/analytics/export/best-time.csv?account={account.id}"))
    assert len(rows) == 1 + 7 * 24 and sum(int(r[2]) for r in rows[1:]) == 3


def test_other_workspaces_accounts_are_404(logged_in, session, make_user, make_ig_account):
    client, _user = logged_in
    bob = make_user("bob")
    foreign = make_ig_account(bob.memberships[0].workspace_id, "bobs.shop")
    for url in (
        "/analytics/",
        "/analytics/posts",
        "/analytics/audience",
        "/analytics/best-time",
        "/analytics/export/followers.csv",
    ):
        assert client.get(f"{url}?account={foreign.id}").status_code == 404
    assert client.get("/analytics/export/nothing.csv").status_code == 404


def test_pages_need_sign_in(client):
    assert client.get("/analytics/").status_code == 302


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def test_csv_round_trip_with_kazakh_text(logged_in, session, make_ig_account):
    client, user = logged_in
    account = _seed(session, user, make_ig_account)
    caption = 'Бүгін бізде жаңа десерт 🍰, «тәтті» және "дәмді"\nекінші жол'
    add_post(
        session,
        account,
        posted_at=utcnow() - timedelta(days=1),
        reach=50,
        interactions=5,
        caption=caption,
        likes=3,
    )
    rows = _csv(client.get(f"/analytics/export/posts.csv?account={account.id}"))
    assert rows[0][:3] == ["Account", "Type", "Published"]
    assert rows[1][0] == "aruzhan.coffee" and rows[1][3] == caption
    assert rows[1][4] == "50" and rows[1][11] == "0.1" and rows[1][5] == ""  # views unknown
    followers = _csv(client.get(f"/analytics/export/followers.csv?account={account.id}"))
    by_day = {r[0]: r for r in followers[1:]}
    gap = by_day[(local_today() - timedelta(days=2)).isoformat()]
    assert gap[1] == "" and gap[5] == "1"
    assert by_day[local_today().isoformat()][1:5] == ["1030", "10", "3", "10"]
    insights = _csv(client.get("/analytics/export/insights.csv?days=90"))
    assert len(insights) == 91 and insights[0][1] == "reach"
