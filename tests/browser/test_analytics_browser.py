"""The analytics page in a real browser: the growth chart renders (Chart.js under the CSP),
the range switches, and nothing errors in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import InstagramAccount
from scheduler.analytics_jobs import take_snapshots
from tests.analytics.conftest import add_snapshots
from tests.conftest import PASSWORD, login
from tests.test_accounts import connect

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHART_POINTS = (
    "(id) => { const c = Chart.getChart(document.getElementById(id)); "
    "return c ? c.data.labels.length : -1; }"
)


def test_growth_chart_renders_and_switches_range(
    open_page, ig_stack, make_user, session, app, client
):
    make_user("alice")
    # Connect the demo account through the sandbox's real OAuth (tested in the browser by
    # test_accounts_browser.py), then work in the browser.
    login(client, "alice")
    assert connect(client).status_code == 302
    page = open_page(ig_stack.url)
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#whoami")).to_be_visible()

    # Today's snapshot from the sandbox, as the worker takes it, plus a few earlier days.
    with app.app_context():
        assert take_snapshots() == 1
    account = session.scalar(select(InstagramAccount))
    add_snapshots(session, account, {1: 1800, 2: None, 3: 1790, 4: 1785, 40: 1700})

    page.click("nav >> text=Analytics")
    expect(page.locator("h1")).to_have_text("Analytics")
    canvas = page.locator("#followers-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('followers-chart')")
    assert page.evaluate(CHART_POINTS, "followers-chart") == 30
    box = canvas.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    assert page.evaluate("() => Chart.getChart('followers-chart').data.datasets[0].data.slice(-3)")[
        :2
    ] == [None, 1800]  # the missed day stays a gap
    expect(page.locator("#followers-now")).not_to_contain_text("Not available")

    page.click("#range-links >> text=90 days")
    expect(page.locator("#range-links a[aria-current=true]")).to_have_text("90 days")
    page.wait_for_function("() => window.Chart && Chart.getChart('followers-chart')")
    assert page.evaluate(CHART_POINTS, "followers-chart") == 90
    assert page.evaluate(CHART_POINTS, "net-chart") == 90

    # The table view of the chart, for screen readers and keyboards.
    page.click("text=Show as table >> nth=0")
    expect(page.locator("#followers-table")).to_contain_text("Missing: no snapshot that day")
    assert page.console_errors == []
