"""Connecting a sandbox account through the browser, as a new user does after `make run`."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_connect_sandbox_account_and_see_profile_and_posts(open_page, ig_stack, make_user):
    make_user("alice")
    page = open_page(ig_stack.url)
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.click("text=Accounts")
    expect(page.locator("h1")).to_have_text("Instagram accounts")
    page.click("#connect-account")
    # The sandbox's consent page: pick a demo account.
    page.click("button[name=account][value='17841400000000001']")
    expect(page.locator(".alert-success")).to_contain_text("@aruzhan.coffee is connected.")
    expect(page.locator("h1")).to_contain_text("@aruzhan.coffee")
    expect(page.locator("#profile-counts")).to_contain_text("Followers")
    cards = page.locator("#recent-posts .card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 20
    # Images come from the sandbox's CDN path and load under the page's CSP.
    first_img = page.locator("#recent-posts img").first
    expect(first_img).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", first_img.element_handle()) > 0
    page.click("text=Accounts")
    expect(page.locator("table")).to_contain_text("@aruzhan.coffee")
    assert page.console_errors == []


def test_sandbox_mode_banner_is_shown(open_page, live_server, make_user):
    make_user("alice")
    page = open_page(live_server.url)
    page.goto("/login")
    expect(page.locator(".sandbox-banner")).to_contain_text("Sandbox mode")
