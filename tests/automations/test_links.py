"""Tracked links over real HTTP: a flow's link reaches the sandbox customer as a Kezek redirect,
following it 302s to the owner's URL and counts a click; unknown tokens are 404; a contact's
own text never becomes a redirect; the counters add up on the page and in the API."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from app.models import AutomationLink, AutomationLinkClick
from app.services.automations import flow_definitions as flow_defs
from app.services.automations.contacts import create_field
from app.services.automations.flows import flow_stats
from tests.api.conftest import Api
from tests.automations.conftest import CUSTOMER, CUSTOMER_2

CATALOG = "https://shop.example/catalog?utm_source=ig&x=(1)"
PHONE = "tel-free text with https://shop.example/contacts"


@pytest.fixture
def base(auto, ig_stack):
    """Redirect URLs point at the app's own loopback server (as PUBLIC_BASE_URL does live)."""
    auto.settings.PUBLIC_BASE_URL = ig_stack.url
    return ig_stack.url


def tokens_in(text: str, base: str) -> list[str]:
    return re.findall(re.escape(base) + r"/r/([A-Za-z0-9_-]+)", text)


def link_flow(auto, session):
    steps = [
        flow_defs.StepData(kind="text", text=f"Каталог: {CATALOG}."),
        flow_defs.StepData(kind="text", text="Вопросы? " + PHONE),
    ]
    flow = flow_defs.save_flow(session, auto.workspace_id, "Каталог", steps)
    session.commit()
    auto.rule(
        name="Каталог",
        trigger="dm",
        keywords=["каталог"],
        cooldown_minutes=0,
        actions=[("start_flow", {"flow_id": flow.id})],
    )
    return flow


def follow(url: str, agent: str = "Mozilla/5.0 (iPhone) Instagram 300.0") -> requests.Response:
    return requests.get(url, allow_redirects=False, headers={"User-Agent": agent}, timeout=10)


def test_flow_link_goes_through_the_redirect_and_each_click_counts(auto, session, base):
    flow = link_flow(auto, session)
    auto.dm("Пришлите каталог")
    first, second = auto.sent_texts()
    assert "shop.example" not in first + second
    (catalog_token,) = tokens_in(first, base)
    (contacts_token,) = tokens_in(second, base)
    assert first == f"Каталог: {base}/r/{catalog_token}."  # the trailing dot stays text
    assert catalog_token != contacts_token and len(catalog_token) >= 20

    resp = follow(f"{base}/r/{catalog_token}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == CATALOG
    assert resp.headers["Cache-Control"] == "no-store"
    assert follow(f"{base}/r/{contacts_token}").headers["Location"] == (
        "https://shop.example/contacts"
    )
    session.expire_all()
    clicks = session.scalars(select(AutomationLinkClick).order_by(AutomationLinkClick.id)).all()
    assert [(c.flow_id, c.step_position) for c in clicks] == [(flow.id, 1), (flow.id, 2)]
    assert clicks[0].contact_id is not None and clicks[0].contact_id == clicks[1].contact_id


def test_unknown_or_malformed_tokens_are_404_and_count_nothing(auto, session, base):
    link_flow(auto, session)
    auto.dm("каталог")
    (token,) = tokens_in(auto.sent_texts()[0], base)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/r/{flipped}", "/r/" + "x" * 22, "/r/short", "/r/" + "a" * 200, "/r/"):
        assert follow(base + path).status_code == 404, path
    # A query string cannot steer the redirect anywhere else.
    resp = follow(f"{base}/r/{token}?next=https://evil.example/&url=https://evil.example/")
    assert resp.headers["Location"] == CATALOG
    session.expire_all()
    assert len(session.scalars(select(AutomationLinkClick)).all()) == 1


def test_a_contacts_own_text_never_becomes_a_redirect(auto, session, base):
    create_field(session, auto.workspace_id, "site", "Сайт", "text")
    steps = [
        flow_defs.StepData(kind="question", text="Ваш сайт?", field_key="site"),
        flow_defs.StepData(kind="text", text="Ваш: {{site}} Наш: https://shop.example/"),
    ]
    flow = flow_defs.save_flow(session, auto.workspace_id, "Сайт", steps)
    session.commit()
    auto.rule(
        name="Сайт", trigger="dm", keywords=["сайт"], actions=[("start_flow", {"flow_id": flow.id})]
    )
    auto.dm("сайт")
    auto.dm("https://evil.example/phish")
    last = auto.sent_texts()[-1]
    (token,) = tokens_in(last, base)
    assert last == f"Ваш: https://evil.example/phish Наш: {base}/r/{token}"
    session.expire_all()
    assert [link.url for link in session.scalars(select(AutomationLink))] == [
        "https://shop.example/"
    ]


def test_counters_add_up_on_the_page_and_in_the_api(auto, session, base, client, make_token, owner):
    flow = link_flow(auto, session)
    auto.dm("каталог", customer=CUSTOMER)
    auto.dm("каталог", customer=CUSTOMER_2)
    one = tokens_in(auto.sent_texts(CUSTOMER)[0], base)[0]
    two = tokens_in(auto.sent_texts(CUSTOMER_2)[0], base)[0]
    assert one != two  # one token per person: unique clicks are counted per contact
    follow(f"{base}/r/{one}")
    follow(f"{base}/r/{one}")
    follow(f"{base}/r/{two}")
    # Meta's link-preview fetcher opens links when a message is sent: not a click.
    bot = follow(f"{base}/r/{two}", agent="facebookexternalhit/1.1")
    assert bot.status_code == 302
    assert requests.head(f"{base}/r/{two}", timeout=10).status_code == 302  # no click either

    stats = flow_stats(session, flow)
    assert (stats["started"], stats["delivered"], stats["completed"]) == (2, 2, 2)
    assert (stats["clicked"], stats["clicks"]) == (2, 3)
    assert stats["step_clicks"] == {1: {"clicks": 3, "clicked": 2}}

    page = client.get(f"/automations/flows/{flow.id}").text
    assert 'data-stat="delivered">2<' in page
    assert 'data-stat="clicked">2<' in page and 'data-stat="clicks">3<' in page
    assert 'data-step-clicks="1"' in page and 'data-step-clicks="2"' not in page
    listing = client.get("/automations/flows").text
    assert "<td>2</td><td>2</td><td>2</td><td>2</td>" in listing  # started..completed

    api = Api(client, make_token(owner))
    body = api.get(f"/automations/flows/{flow.id}").get_json()
    assert body["stats"] == {
        "started": 2,
        "delivered": 2,
        "clicked": 2,
        "clicks": 3,
        "completed": 2,
        "timed_out": 0,
        "failed": 0,
        "waiting": 0,
    }
    assert [(s["clicks"], s["clicked"]) for s in body["steps"]] == [(3, 2), (0, 0)]


def test_rule_dm_links_are_tracked_per_rule(auto, session, base, client, make_token, owner):
    rule = auto.rule(
        name="Прайс",
        trigger="dm",
        keywords=["прайс"],
        actions=[("send_dm", {"text": "Прайс: https://shop.example/price.pdf"})],
    )
    auto.dm("прайс")
    (token,) = tokens_in(auto.sent_texts()[0], base)
    assert follow(f"{base}/r/{token}").headers["Location"] == "https://shop.example/price.pdf"
    api = Api(client, make_token(owner))
    body = api.get(f"/automations/rules/{rule.id}").get_json()
    assert (body["clicks"], body["clicked"]) == (1, 1)
    assert 'id="rule-clicks"' in client.get(f"/automations/rules/{rule.id}/log").text
