"""The media library in a real browser: upload with a progress bar, see the item listed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.media.conftest import files_on_disk, image_bytes

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_upload_an_image_from_the_library_page(page, app, make_user, tmp_path):
    media_dir = tmp_path / "media"
    app.config["SETTINGS"].MEDIA_DIR = str(media_dir)  # not the repository's var/media
    make_user("alice")
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.click("nav >> text=Media library")
    expect(page.locator("h1")).to_have_text("Media library")
    photo = tmp_path / "Beach day.png"
    photo.write_bytes(image_bytes("PNG", size=(1200, 1000)))
    page.set_input_files("#media-file", str(photo))
    page.click("#upload-button")
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    expect(page.locator("#upload-status")).to_have_text("Uploaded and checked.")
    expect(page.locator("#media-list .media-name")).to_have_text(["Beach day.png"])
    page.click("#media-list .media-card")
    expect(page.locator("#media-state")).to_have_text("Ready to publish.")
    expect(page.locator("#media-actions")).to_contain_text("Converted to JPEG")
    assert page.evaluate("document.querySelector('img.img-fluid').naturalWidth") == 1200

    garbage = tmp_path / "notes.jpg"
    garbage.write_text("not a picture")
    page.goto("/media/")
    page.set_input_files("#media-file", str(garbage))
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_contain_text("not an image or video")
    expect(page.locator("#media-list .media-name")).to_have_count(1)
    # The refused upload's 422 is the only error the browser saw.
    assert [e for e in page.console_errors if "422" not in e] == []
    assert len([f for f in files_on_disk(media_dir) if f.endswith(".jpg")]) == 1
