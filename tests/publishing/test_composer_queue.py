"""Approval, the queue's filters and paging, the calendar, editing, cancelling, retrying."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import Role, Snippet, Workspace, utcnow
from app.services.posts import add_log
from tests.conftest import csrf_from
from tests.publishing.composer_support import (
    compose,
    member_client,
    owner_client,
    posts_of,
    row_ids,
    set_timezone,
)
from tests.publishing.conftest import DEMO_2


def _post(client, page: str, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page).text), **data})


def test_owner_turns_on_approval_and_editors_posts_wait_for_it(env, make_user):
    account, image = env.account(), env.media()
    owner = owner_client(env)
    resp = _post(
        owner,
        "/settings/workspace",
        "/settings/workspace",
        name="Coffee",
        timezone="Asia/Almaty",
        require_approval="y",
    )
    assert resp.status_code == 302
    env.session.expire_all()
    assert env.session.get(Workspace, env.workspace_id).require_approval is True

    editor, _ = member_client(env, make_user, Role.EDITOR)
    resp = compose(
        editor,
        accounts=[account],
        media=[image],
        caption="Please approve",
        day="2030-06-01",
        at="10:00",
    )
    assert resp.status_code == 302
    [post] = posts_of(env)
    assert post.status == "pending_approval"
    page = editor.get(f"/publishing/posts/{post.id}").text
    assert "waits for an owner" in page and 'id="approve-post"' not in page
    assert _post(editor, page_url(post), f"/publishing/posts/{post.id}/approve").status_code == 403

    # The owner sends it back with a comment; the author sees it on a draft.
    resp = _post(
        owner, page_url(post), f"/publishing/posts/{post.id}/send-back", comment="Add the price"
    )
    assert resp.status_code == 302
    post = env.fresh(post)
    assert post.status == "draft" and post.review_comment == "Add the price"
    assert "Add the price" in editor.get(page_url(post)).text

    # The editor fixes it and schedules it again: it waits for approval again.
    resp = _post(
        editor,
        f"{page_url(post)}/edit",
        f"{page_url(post)}/edit",
        caption="Now with the price: 1500 ₸",
        day="2030-06-01",
        at="11:00",
        action="queue",
    )
    assert resp.status_code == 302
    post = env.fresh(post)
    assert post.status == "pending_approval" and post.caption.endswith("1500 ₸")
    assert post.scheduled_at == datetime(2030, 6, 1, 6, 0, tzinfo=UTC)

    assert _post(owner, page_url(post), f"{page_url(post)}/approve").status_code == 302
    post = env.fresh(post)
    assert post.status == "scheduled" and post.approved_by_id == env.user.id


def page_url(post) -> str:
    return f"/publishing/posts/{post.id}"


def test_queue_filters_by_account_status_and_type_and_pages(env):
    a1, a2 = env.account(), env.account(DEMO_2)
    m = [env.media(), env.media()]
    drafts = [env.create([a1], "image", [m[0]], draft=True)[0] for _ in range(26)]
    carousel = env.create([a2], "carousel", m, scheduled_at=utcnow() + timedelta(days=2))[0]
    client = owner_client(env)

    first = client.get("/publishing/")
    assert row_ids(first.text) == [p.id for p in drafts[:25]]
    assert 'id="next-page"' in first.text
    second = client.get(f"/publishing/?after={drafts[24].id}")
    assert row_ids(second.text) == [drafts[25].id, carousel.id]
    assert 'id="next-page"' not in second.text

    assert row_ids(client.get(f"/publishing/?account={a2.id}").text) == [carousel.id]
    assert row_ids(client.get("/publishing/?status=scheduled").text) == [carousel.id]
    assert row_ids(client.get("/publishing/?type=carousel").text) == [carousel.id]
    assert row_ids(client.get(f"/publishing/?type=image&account={a2.id}").text) == []
    assert len(row_ids(client.get("/publishing/?status=draft&type=image").text)) == 25


def test_calendar_places_posts_on_their_day_in_the_workspace_timezone(env):
    set_timezone(env, "Asia/Almaty")
    account, image = env.account(), env.media()
    # 20:30 UTC on 10 March is 01:30 on 11 March in Almaty.
    late = env.create(
        [account],
        "image",
        [image],
        draft=True,
        scheduled_at=datetime(2030, 3, 10, 20, 30, tzinfo=UTC),
    )[0]
    early = env.create(
        [account],
        "image",
        [image],
        draft=True,
        scheduled_at=datetime(2030, 3, 31, 3, 0, tzinfo=UTC),
    )[0]
    client = owner_client(env)
    html = client.get("/publishing/calendar?date=2030-03-05").text
    assert _day_posts(html, "2030-03-11") == [late.id]
    assert _day_posts(html, "2030-03-10") == []
    assert _day_posts(html, "2030-03-31") == [early.id]
    assert "01:30" in html
    week = client.get("/publishing/calendar?view=week&date=2030-03-12").text
    assert _day_posts(week, "2030-03-11") == [late.id]
    assert early.id not in row_ids(week)
    # The neighbouring month shows neither.
    assert row_ids(client.get("/publishing/calendar?date=2030-05-01").text) == []


def _day_posts(html: str, day: str) -> list[int]:
    start = html.index(f'data-date="{day}"')
    end = html.find("data-date=", start + 10)
    return row_ids(html[start : end if end != -1 else len(html)])


def test_reschedule_and_cancel_work_only_until_publishing_starts(env):
    set_timezone(env, "Asia/Almaty")
    account, image = env.account(), env.media()
    [post] = env.create([account], "image", [image], scheduled_at=utcnow() + timedelta(days=3))
    client = owner_client(env)
    resp = _post(
        client,
        f"{page_url(post)}/edit",
        f"{page_url(post)}/edit",
        caption="Moved",
        day="2030-07-01",
        at="08:15",
        action="save",
    )
    assert resp.status_code == 302
    post = env.fresh(post)
    assert post.scheduled_at == datetime(2030, 7, 1, 3, 15, tzinfo=UTC)
    assert post.caption == "Moved" and post.status == "scheduled"

    # Publishing has started (the worker holds it): no edit, no cancel.
    post.status = "publishing"
    env.session.commit()
    resp = client.get(f"{page_url(post)}/edit")
    assert resp.status_code == 302
    page = client.get(page_url(post)).text
    assert "publishing has started" in page
    assert 'id="cancel-post"' not in page and 'id="edit-post"' not in page
    _post(client, page_url(post), f"{page_url(post)}/cancel")
    assert env.fresh(post).status == "publishing"

    post.status = "scheduled"
    env.session.commit()
    resp = _post(client, page_url(post), f"{page_url(post)}/cancel")
    assert resp.status_code == 302
    assert env.fresh(post).status == "cancelled"
    assert "The post was cancelled." in client.get(page_url(post)).text


def test_failed_post_shows_its_log_and_reason_and_can_be_retried(env):
    account, image = env.account(), env.media()
    [post] = env.create([account], "image", [image], scheduled_at=utcnow() + timedelta(days=1))
    add_log(
        env.session,
        post,
        "container",
        "error",
        code=9007,
        subcode=2207027,
        fbtrace_id="AbCdEf123",
        message_key="media_not_ready",
    )
    post.status, post.error_key = "failed", "container_error"
    post.error_message = "The media could not be fetched"
    env.session.commit()
    client = owner_client(env)
    page = client.get(page_url(post)).text
    assert "Instagram could not process the media file." in page
    assert "The media could not be fetched" in page
    assert "9007/2207027" in page and "AbCdEf123" in page
    assert 'id="retry-post"' in page
    resp = _post(client, page_url(post), f"{page_url(post)}/retry")
    assert resp.status_code == 302
    post = env.fresh(post)
    assert post.status == "scheduled" and post.error_key is None
    assert "Kezek will try to publish the post again now." in client.get(page_url(post)).text


def test_viewers_cannot_act_on_posts(env, make_user):
    account, image = env.account(), env.media()
    [post] = env.create([account], "image", [image], draft=True)
    viewer, _ = member_client(env, make_user, Role.VIEWER)
    page = viewer.get(page_url(post))
    assert page.status_code == 200 and 'id="edit-post"' not in page.text
    for action in ("cancel", "retry", "delete", "approve"):
        assert _post(viewer, page_url(post), f"{page_url(post)}/{action}").status_code == 403
    assert viewer.get(f"{page_url(post)}/edit").status_code == 403
    assert env.fresh(post).status == "draft"


def test_snippets_are_saved_offered_in_the_composer_and_deleted(env, make_user):
    client = owner_client(env)
    resp = _post(
        client,
        "/publishing/snippets",
        "/publishing/snippets",
        name="Coffee tags",
        kind="hashtags",
        body="coffee, #almaty coffee kz",
    )
    assert resp.status_code == 302
    resp = _post(
        client,
        "/publishing/snippets",
        "/publishing/snippets",
        name="Signature",
        kind="caption",
        body="Open daily 8–22 ☕",
    )
    assert resp.status_code == 302
    page = client.get("/publishing/compose").text
    assert 'data-snippet="#coffee #almaty #kz"' in page
    assert 'data-snippet="Open daily 8–22 ☕"' in page
    viewer, _ = member_client(env, make_user, Role.VIEWER)
    resp = _post(
        viewer, "/publishing/snippets", "/publishing/snippets", name="x", kind="caption", body="y"
    )
    assert resp.status_code == 403
    tags = env.session.scalar(select(Snippet).where(Snippet.name == "Coffee tags"))
    resp = _post(client, "/publishing/snippets", f"/publishing/snippets/{tags.id}/delete")
    assert resp.status_code == 302
    html = client.get("/publishing/snippets").text
    assert "Coffee tags" not in html and "Signature" in html
