"""Settings → Privacy in a real browser: export with htmx progress, download once, delete all."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from app.models import User
from scheduler.privacy_jobs import run_exports
from tests.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_export_then_delete_everything(open_page, live_server, app, make_user, session, tmp_path):
    app.config["SETTINGS"].MEDIA_DIR = str(tmp_path / "media")
    user_id = make_user("brenda").id
    page = open_page(live_server.url)
    page.goto("/login")
    page.fill("#username", "brenda")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto("/settings/privacy")
    page.click("#start-export")
    expect(page.locator("#export-progress")).to_be_visible()
    with app.app_context():
        assert run_exports() == 1
    link = page.locator("#export-download")
    expect(link).to_be_visible()  # the htmx poll picked up the finished export
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "export.zip"
    info.value.save_as(path)
    assert "README.txt" in zipfile.ZipFile(path).namelist()

    page.goto("/settings/privacy/delete")
    page.fill("#password", PASSWORD)
    page.click("#confirm-delete")
    expect(page.locator("#username")).to_be_visible()  # back on the sign-in page
    session.expire_all()
    assert session.get(User, user_id) is None
    assert not [e for e in page.console_errors if "favicon" not in e]
