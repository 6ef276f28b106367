"""The UI shell in a real browser: sign in, language, errors, throttling, sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

# Browser tests run once, on SQLite (the server-side logic is covered on both backends).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _sign_in(page, username: str, password: str = PASSWORD):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")


def test_sign_in_switch_to_kazakh_and_sign_out(page, make_user):
    make_user("alice", display_name="Алия")
    _sign_in(page, "alice")
    expect(page.locator("h1")).to_have_text("Welcome, Алия!")
    page.click("#language-menu")
    page.click("button[name=language][value=kk]")
    expect(page.locator("h1")).to_have_text("Қош келдіңіз, Алия!")
    expect(page.locator("#logout")).to_have_text("Шығу")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.reload()
    expect(page.locator("nav")).to_contain_text("Баптаулар")
    page.click("#logout")
    expect(page.locator(".alert")).to_contain_text("Сіз жүйеден шықтыңыз.")
    page.goto("/")
    expect(page.locator("#login-submit")).to_be_visible()
    assert page.console_errors == []


def test_wrong_password_shows_a_localized_error(page, make_user):
    make_user("alice")
    page.goto("/login")
    page.click("#language-menu")
    page.click("button[name=language][value=ru]")
    page.fill("#username", "alice")
    page.fill("#password", "not the right one")
    page.click("#login-submit")
    expect(page.locator(".alert-danger")).to_contain_text("Неверное имя пользователя или пароль.")
    expect(page.locator("#login-submit")).to_have_text("Войти")


def test_throttling_kicks_in_after_repeated_failures(page, make_user):
    make_user("alice")
    for _ in range(5):
        _sign_in(page, "alice", "wrong password!")
        expect(page.locator(".alert-danger")).to_contain_text("Wrong username or password.")
    _sign_in(page, "alice")
    expect(page.locator(".alert-danger")).to_contain_text(
        "Too many failed sign-in attempts. Try again in 15 minutes."
    )
    expect(page.locator("#login-submit")).to_be_visible()
