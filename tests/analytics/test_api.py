"""/api/v1 analytics endpoints: the figures the pages show; auth, read-only, 404, 422."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import AudienceBreakdown, utcnow
from app.services.api_tokens import create_token
from tests.analytics.conftest import add_post, add_snapshots, local_today


@pytest.fixture
def api(client, make_user, session, make_ig_account):
    """Alice's read-only token, her account with a few days of data, and a caller."""
    alice = make_user("alice")
    account = make_ig_account(alice.memberships[0].workspace_id, "aruzhan.coffee")
    add_snapshots(session, account, {0: 1030, 1: 1020, 2: None, 3: 1000})
    _row, token = create_token(session, alice, "reports", read_only=True)
    session.commit()

    def call(path, method="get", token=token, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    call.account = account
    return call


def test_follower_series_with_gaps(api):
    first = (local_today() - timedelta(days=3)).isoformat()
    resp = api(f"/accounts/{api.account.id}/followers?from={first}")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["first_day"] == first and body["last_day"] == local_today().isoformat()
    assert body["timezone"] == "Asia/Almaty"
    items = body["items"]
    assert [i["followers_count"] for i in items] == [1000, None, 1020, 1030]
    assert [i["missing"] for i in items] == [False, True, False, False]
    assert [i["net_change"] for i in items] == [None, None, None, 10]
    default = api(f"/accounts/{api.account.id}/followers").json
    assert len(default["items"]) == 30
    longest = api(f"/accounts/{api.account.id}/followers?from=2000-01-01").json
    assert len(longest["items"]) == 729  # capped at the retention
    reversed_ = api(f"/accounts/{api.account.id}/followers?from=2030-01-02&to=2030-01-01").json
    assert reversed_["items"] == []


def test_insights_posts_audience_best_time_and_overview(api, session):
    account = api.account
    add_post(
        session,
        account,
        posted_at=utcnow() - timedelta(days=1),
        reach=200,
        interactions=10,
        caption="Жаңа",
    )
    add_post(
        session,
        account,
        posted_at=utcnow() - timedelta(days=2),
        product="STORY",
        unavailable_reason="insights_not_enough_viewers",
    )
    session.add(
        AudienceBreakdown(
            workspace_id=account.workspace_id,
            account_id=account.id,
            dimension="age",
            status="not_available",
            reason="no_data",
        )
    )
    session.commit()

    insights = api(f"/accounts/{account.id}/insights").json
    assert len(insights["items"]) == 30 and insights["items"][0]["reach"] is None

    posts = api(f"/accounts/{account.id}/posts/performance?limit=1").json
    assert len(posts["items"]) == 1 and posts["next"]
    assert posts["items"][0]["engagement_rate"] == 0.05 and posts["items"][0]["caption"] == "Жаңа"
    rest = api(f"/accounts/{account.id}/posts/performance?limit=1&next={posts['next']}").json
    assert rest["items"][0]["unavailable_reason"] == "insights_not_enough_viewers"
    assert rest["items"][0]["reach"] is None and rest["next"] is None
    stories = api(f"/accounts/{account.id}/posts/performance?type=STORY").json
    assert [p["media_product_type"] for p in stories["items"]] == ["STORY"]

    audience = {
        d["dimension"]: d for d in api(f"/accounts/{account.id}/audience").json["dimensions"]
    }
    assert audience["age"]["status"] == "not_available" and audience["age"]["items"] == []
    assert audience["city"]["status"] == "not_collected"

    best = api(f"/accounts/{account.id}/best-time").json
    assert best["posts"] == 1 and len(best["cells"]) == 7 * 24
    assert best["suggested_slots"] == []  # one post is too few to suggest

    overview = api("/analytics/overview").json
    assert overview["total"]["followers_count"] == 1030 and overview["total"]["change_1"] == 10
    assert overview["accounts"][0]["username"] == "aruzhan.coffee"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{id}/followers",
        "/accounts/{id}/insights",
        "/accounts/{id}/posts/performance",
        "/accounts/{id}/audience",
        "/accounts/{id}/best-time",
        "/analytics/overview",
    ],
)
def test_auth_read_only_and_methods(api, path):
    url = path.format(id=api.account.id)
    assert api(url, token=None).status_code == 401
    assert api(url, token="kzk_" + "x" * 43).status_code == 401
    assert api(url).status_code == 200  # a read-only token reads
    assert api(url, method="post", json={}).status_code in (403, 405)


def test_other_workspace_is_404(api, make_user, make_ig_account):
    bob = make_user("bob")
    foreign = make_ig_account(bob.memberships[0].workspace_id, "bobs.shop")
    for suffix in ("followers", "insights", "posts/performance", "audience", "best-time"):
        resp = api(f"/accounts/{foreign.id}/{suffix}")
        assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"
    assert api("/accounts/999999/followers").status_code == 404
    assert api("/accounts/abc/followers").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("since=2026-01-01", "since"),
    ],
)
def test_bad_queries_are_422(api, query, field):
    resp = api(f"/accounts/{api.account.id}/followers?{query}")
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_failed"
    assert field in [f["field"] for f in resp.json["error"]["fields"]]


def test_bad_post_queries_are_422(api):
    base = f"/accounts/{api.account.id}/posts/performance"
    for query in ("type=IGTV", "limit=0", "next=abc", "from=1.1.2026"):
        assert api(f"{base}?{query}").status_code == 422, query


def test_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/accounts/{account_id}/followers",
        "/api/v1/accounts/{account_id}/insights",
        "/api/v1/accounts/{account_id}/posts/performance",
        "/api/v1/accounts/{account_id}/audience",
        "/api/v1/accounts/{account_id}/best-time",
        "/api/v1/analytics/overview",
    ):
        assert "get" in paths[path], path
    params = {
        p["name"] for p in paths["/api/v1/accounts/{account_id}/followers"]["get"]["parameters"]
    }
    assert {"from", "to"} <= params
