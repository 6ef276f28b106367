"""Notifications: the service, the API and the dashboard page."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.models import Notification, Role
from app.services.notifications import notify, render
from tests.api.conftest import Api
from tests.conftest import csrf_from, login


@pytest.fixture
def ws_id(alice):
    return alice.memberships[0].workspace_id


def test_known_kinds_render_with_their_parameters_unknown_kinds_generically(app, session, ws_id):
    dead = notify(session, ws_id, "token_dead", {"username": "cafe.salem"}, link="/accounts")
    odd = notify(session, ws_id, "no_such_kind", {"x": 1})
    bare = notify(session, ws_id, "token_refresh_failed")
    with app.test_request_context(), force_locale("en"):
        assert "@cafe.salem" in render(dead) and "Reconnect" in render(dead)
        assert render(odd) == "Something in this workspace needs your attention."
        assert "@…" in render(bare)  # a missing parameter never breaks the page


def test_the_api_lists_notifications_newest_first_with_rendered_messages(
    api, session, ws_id, alice
):
    notify(session, ws_id, "token_dead", {"username": "one"})
    notify(session, ws_id, "token_refresh_failed", {"username": "two"}, user_id=alice.id)
    session.commit()
    items = api.get("/notifications").get_json()["items"]
    assert [i["kind"] for i in items] == ["token_refresh_failed", "token_dead"]
    assert "@two" in items[0]["message"] and items[0]["for_user"] is True
    assert items[0]["params"] == {"username": "two"} and items[0]["read_at"] is None
    assert items[0]["created_at"].endswith("Z") and items[0]["id"].isdigit()


def test_notifications_for_another_user_or_workspace_are_invisible(
    client, api, session, ws_id, other_workspace, make_user
):
    bob, bobs_ws = other_workspace
    theirs = notify(session, bobs_ws.id, "token_dead", {"username": "bob"})
    private = notify(session, ws_id, "token_dead", {"username": "x"}, user_id=bob.id)
    session.commit()
    assert api.get("/notifications").get_json()["items"] == []
    for n in (theirs, private):
        resp = api.post(f"/notifications/{n.id}/read")
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    session.expire_all()
    assert all(n.read_at is None for n in session.scalars(select(Notification)))
    assert Api(client, api.token, bobs_ws.id).get("/notifications").status_code == 404


def test_notifications_are_paged_and_filtered_by_unread(api, session, ws_id):
    rows = [notify(session, ws_id, "token_dead", {"username": f"u{i}"}) for i in range(5)]
    rows[0].read_at = rows[0].created_at
    session.commit()
    first = api.get("/notifications", query_string={"limit": 3}).get_json()
    second = api.get("/notifications", query_string={"limit": 3, "next": first["next"]}).get_json()
    assert [i["params"]["username"] for i in first["items"] + second["items"]] == [
        "u4",
        "u3",
        "u2",
        "u1",
        "u0",
    ]
    assert second["next"] is None
    unread = api.get("/notifications", query_string={"unread": "true"}).get_json()["items"]
    assert len(unread) == 4


def test_marking_read_one_and_all(api, session, ws_id):
    a = notify(session, ws_id, "token_dead", {"username": "a"})
    notify(session, ws_id, "token_dead", {"username": "b"})
    session.commit()
    resp = api.post(f"/notifications/{a.id}/read")
    assert resp.status_code == 200 and resp.get_json()["read_at"].endswith("Z")
    assert api.post("/notifications/read-all").get_json() == {"updated": 1}
    assert api.post("/notifications/read-all").get_json() == {"updated": 0}
    assert api.get("/notifications", query_string={"unread": "true"}).get_json()["items"] == []


def test_a_viewer_may_mark_read_but_a_read_only_token_may_not(
    client, alice, session, make_token, shared_workspace
):
    ws = shared_workspace(Role.VIEWER)
    n = notify(session, ws.id, "token_dead", {"username": "v"})
    session.commit()
    ro = Api(client, make_token(alice, read_only=True), ws.id)
    assert ro.post(f"/notifications/{n.id}/read").status_code == 403
    rw = Api(client, make_token(alice), ws.id)
    assert rw.post(f"/notifications/{n.id}/read").status_code == 200


@pytest.mark.parametrize("bad_id", ["abc", "0", "99999999999999999999999", "-1"])
def test_bad_notification_ids_are_404(api, bad_id):
    assert api.post(f"/notifications/{bad_id}/read").status_code == 404


def test_the_dashboard_lists_notifications_and_marks_them_read(client, alice, session, ws_id):
    n = notify(session, ws_id, "token_dead", {"username": "cafe"}, link="/settings/")
    notify(session, ws_id, "token_dead", {"username": "evil"}, link="javascript:alert(1)")
    session.commit()
    login(client, "alice")
    page = client.get("/notifications/")
    assert page.status_code == 200 and "@cafe" in page.text
    assert 'href="/settings/"' in page.text and "javascript:" not in page.text
    assert 'id="unread-count">2' in client.get("/settings/").text
    resp = client.post(f"/notifications/{n.id}/read", data={"csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302
    assert 'id="unread-count">1' in client.get("/notifications/").text
    page = client.get("/notifications/")
    client.post("/notifications/read-all", data={"csrf_token": csrf_from(page.text)})
    assert 'id="unread-count"' not in client.get("/notifications/").text
    session.expire_all()
    assert all(r.read_at for r in session.scalars(select(Notification)))


def test_the_dashboard_refuses_mark_read_without_csrf(client, alice, session, ws_id):
    n = notify(session, ws_id, "token_dead", {"username": "cafe"})
    session.commit()
    login(client, "alice")
    assert client.post(f"/notifications/{n.id}/read").status_code == 400
    session.expire_all()
    assert session.get(Notification, n.id).read_at is None
