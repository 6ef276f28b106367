"""The inbox filtered by contact tag: page, htmx refresh, paging and /api/v1/threads?tag=."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.models import InboxThread, InstagramAccount, utcnow
from app.services.api_tokens import create_token
from app.services.automations import contacts
from tests.conftest import login

IDS = re.compile(r'data-thread-id="(\d+)"')


class Inbox:
    """One workspace's account, contacts with tags and their threads, made directly."""

    def __init__(self, session, user, ig_user_id: str):
        self.session, self.user = session, user
        self.ws = user.memberships[0].workspace_id
        self.account = InstagramAccount(
            workspace_id=self.ws, ig_user_id=ig_user_id, username=f"shop{ig_user_id[-4:]}"
        )
        session.add(self.account)
        session.flush()
        self.minutes = 0

    def thread(self, igsid: str, kind: str = "dm", tags=(), status: str = "open") -> InboxThread:
        if tags:
            contact, _ = contacts.touch_contact(self.session, self.account, igsid, f"u{igsid}")
            self.session.flush()
            contacts.add_tags(self.session, contact, list(tags))
        self.minutes += 1
        t = InboxThread(
            workspace_id=self.ws,
            account_id=self.account.id,
            kind=kind,
            thread_key=igsid if kind == "dm" else f"c-{igsid}-{self.minutes}",
            customer_id=igsid,
            status=status,
            preview=f"from {igsid}",
            last_activity_at=utcnow() - timedelta(hours=1) + timedelta(minutes=self.minutes),
        )
        self.session.add(t)
        self.session.flush()
        return t

    def tag_id(self, name: str) -> int:
        return contacts.tag_named(self.session, self.ws, name).id

    def token(self) -> dict:
        _row, raw = create_token(self.session, self.user, "t")
        self.session.commit()
        return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def two(session, make_user):
    a = Inbox(session, make_user("alice"), "17841400000001")
    b = Inbox(session, make_user("bob"), "17841400000002")
    return a, b


def ids(html: str) -> list[int]:
    return [int(i) for i in IDS.findall(html)]


def api_ids(client, headers, query: str) -> list[int]:
    resp = client.get(f"/api/v1/threads?{query}", headers=headers)
    assert resp.status_code == 200, resp.json
    return [int(t["id"]) for t in resp.json["items"]]


def test_tag_filter_shows_only_tagged_contacts_threads(two, session, client):
    a, b = two
    vip_dm = a.thread("111", tags=["vip"])
    vip_comment = a.thread("111", kind="comment", status="done")
    lead_dm = a.thread("222", tags=["lead"])
    a.thread("333")  # nobody's contact
    b.thread("111", tags=["vip", "bobonly"])  # the same person id and tag name elsewhere
    session.commit()
    vip, lead = a.tag_id("vip"), a.tag_id("lead")
    bob_vip = b.tag_id("vip")
    session.commit()
    login(client, "alice")

    assert ids(client.get(f"/inbox/?tag={vip}").text) == [vip_comment.id, vip_dm.id]
    assert ids(client.get(f"/inbox/?tag={lead}").text) == [lead_dm.id]
    assert ids(client.get(f"/inbox/?tag={vip}&kind=dm").text) == [vip_dm.id]
    assert ids(client.get(f"/inbox/?tag={vip}&status=done").text) == [vip_comment.id]
    assert ids(client.get(f"/inbox/?tag={vip}&q=222").text) == []
    assert len(ids(client.get("/inbox/").text)) == 4
    # Another workspace's tag id shows nothing, not its threads.
    assert ids(client.get(f"/inbox/?tag={bob_vip}").text) == []
    # The select offers the own workspace's tags only, the chosen one selected.
    page = client.get(f"/inbox/?tag={vip}").text
    assert f'<option value="{vip}" selected>vip</option>' in page
    assert "bobonly" not in page
    # The htmx refresh keeps the filter (it re-requests the page's own URL).
    part = client.get(f"/inbox/?tag={vip}&kind=dm", headers={"HX-Request": "true"}).text
    assert ids(part) == [vip_dm.id] and f"tag={vip}" in part


def test_paging_links_keep_the_tag(two, session, client):
    a, _b = two
    made = [a.thread(f"9{n:03d}", tags=["wholesale"]) for n in range(26)]
    a.thread("555")
    session.commit()
    tag = a.tag_id("wholesale")
    login(client, "alice")
    page = client.get(f"/inbox/?tag={tag}").text
    assert len(ids(page)) == 25
    older = re.search(r'id="older" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"tag={tag}" in older
    assert ids(client.get(older).text) == [made[0].id]


def test_api_tag_filter_by_name_is_workspace_scoped(two, session, client):
    a, b = two
    vip_dm = a.thread("111", tags=["VIP клиент"])
    vip_comment = a.thread("111", kind="comment")
    a.thread("222", tags=["lead"])
    bob_dm = b.thread("111", tags=["VIP клиент", "bobonly"])
    session.commit()
    alice, bob = a.token(), b.token()

    assert api_ids(client, alice, "tag=VIP клиент") == [vip_comment.id, vip_dm.id]
    assert api_ids(client, alice, "tag=VIP клиент&kind=comment") == [vip_comment.id]
    assert api_ids(client, alice, "tag=VIP клиент&limit=1") == [vip_comment.id]
    assert api_ids(client, alice, "tag=bobonly") == []
    assert api_ids(client, alice, "tag=nosuchtag") == []
    assert api_ids(client, bob, "tag=VIP клиент") == [bob_dm.id]
    bad = client.get("/api/v1/threads?tag=" + "x" * 65, headers=alice)
    assert bad.status_code == 422
    spec = client.get("/api/v1/openapi.json").json
    params = spec["paths"]["/api/v1/threads"]["get"]["parameters"]
    assert "tag" in {p["name"] for p in params}
