"""Playwright for Python driving Debian's chromium (never `playwright install`)."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# A loaded 2-core CI machine can take more than Playwright's default 5 s to render a page.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: `make test` installs it with apt-get")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """Factory: a fresh browser page whose relative URLs go to `base_url`."""
    contexts = []

    def make(base_url: str):
        context = browser.new_context(locale="en-US", base_url=base_url)
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(15_000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        pg.console_errors = errors
        return pg

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page, live_server):
    return open_page(live_server.url)
