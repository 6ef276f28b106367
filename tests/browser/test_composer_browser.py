"""In the browser: connect a sandbox account, upload two images, compose a carousel,
schedule it a few seconds ahead, let the publishing worker run, watch it get published."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.models import InstagramAccount, Post, utcnow
from app.services.accounts import sync_requested
from app.services.instagram import make_client
from app.services.publisher import Publisher
from tests.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _jpeg(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1080, 1080), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _upload(page, name: str, color) -> None:
    page.set_input_files(
        "#media-file", files=[{"name": name, "mimeType": "image/jpeg", "buffer": _jpeg(color)}]
    )
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_contain_text("Uploaded and checked.")


def test_compose_schedule_and_watch_a_carousel_get_published(
    open_page, ig_stack, make_user, app, engine, session, tmp_path
):
    settings = app.config["SETTINGS"]
    settings.MEDIA_DIR = str(tmp_path / "media")
    make_user("alice")  # workspace timezone: Asia/Almaty
    page = open_page(ig_stack.url)
    page.goto("/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")

    page.click("text=Accounts")
    page.click("#connect-account")
    page.click("button[name=account][value='17841400000000001']")
    expect(page.locator(".alert-success")).to_contain_text("@aruzhan.coffee is connected.")

    page.goto("/media/")
    _upload(page, "first.jpg", (200, 120, 40))
    _upload(page, "second.jpg", (40, 120, 200))

    page.click("nav >> text=Publishing")
    page.click("#new-post")
    expect(page.locator("h1")).to_have_text("New post")
    page.click("label[for=type-1]")  # Carousel
    expect(page.locator("#quota-1")).to_contain_text("of 100 used")
    page.click("[data-add-media] >> text=first.jpg")
    page.click("[data-add-media] >> text=second.jpg")
    items = page.locator("#selected-media li")
    expect(items).to_have_count(2)
    # Reorder: second.jpg goes first.
    items.nth(1).locator("[data-move=up]").click()
    expect(items.nth(0).locator("[data-name]")).to_have_text("second.jpg")
    items.nth(0).locator("[data-alt]").fill("Blue square")
    page.fill("#caption", "Two colours #almaty @friend")
    expect(page.locator("[data-counter=tags] [data-count]")).to_have_text("1")
    expect(page.locator("[data-counter=mentions] [data-count]")).to_have_text("1")
    due = datetime.now(ZoneInfo("Asia/Almaty")) + timedelta(seconds=4)
    page.fill("#day", due.strftime("%Y-%m-%d"))
    page.fill("#at", due.strftime("%H:%M:%S"))
    page.click("#compose-submit")

    expect(page.locator(".alert-success")).to_contain_text("The post was scheduled.")
    expect(page.locator("#post-status .post-status")).to_have_text("Scheduled")
    post = session.scalar(select(Post))
    assert post.type == "carousel" and [pm.alt_text for pm in post.media] == ["Blue square", None]
    assert abs((post.scheduled_at - due).total_seconds()) < 1

    # The publishing worker, in-process, on the real clock (bounded wait for the due second).
    publisher = Publisher(
        sessionmaker(engine, expire_on_commit=False), settings, worker_id="browser-test"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        publisher.run_once()
        session.expire_all()
        if session.get(Post, post.id).status in ("published", "done", "failed"):
            break
        time.sleep(0.5)
    final = session.get(Post, post.id)
    assert final.status in ("published", "done"), (final.status, final.error_key)
    # The page polls its status: it turns published without a reload.
    expect(page.locator("#post-status .post-status")).to_have_text("Done")
    session.expire_all()
    assert session.get(Post, post.id).ig_media_id

    # The permalink arrives with the account's media sync.
    account = session.scalar(select(InstagramAccount))
    account.sync_requested_at = utcnow()
    session.commit()
    sync_requested(session, settings, make_client(settings))
    session.commit()
    publisher.run_once()
    page.reload()
    expect(page.locator("#permalink")).to_have_attribute(
        "href", session.get(Post, post.id).permalink
    )
    expect(page.locator("#post-log")).to_contain_text("published")
    assert page.console_errors == []
