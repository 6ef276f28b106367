"""Open redirects: a `next` a browser would resolve to another host is never followed."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import PASSWORD, csrf_from, login

# Browsers treat "\" as "/" and drop tabs/newlines in URLs: each of these leaves the site.
HOSTILE = [
    "//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "https://evil.example",
    "\\\\evil.example",
    "/%5Cevil.example/..",
]


def _offsite(location: str) -> bool:
    as_browser = location.replace("\\", "/").replace("\t", "").replace("\n", "")
    return urlsplit(as_browser).netloc not in ("", "localhost")


def test_sign_in_never_redirects_off_site(app, make_user):
    make_user("alice")
    for target in HOSTILE:
        client = app.test_client()
        token = csrf_from(client.get("/login").text)
        resp = client.post(
            "/login",
            query_string={"next": target},
            data={"csrf_token": token, "username": "alice", "password": PASSWORD},
        )
        assert resp.status_code == 302
        assert not _offsite(resp.headers["Location"]), (target, resp.headers["Location"])


def test_switching_workspace_never_redirects_off_site(client, make_user):
    user = make_user("alice")
    login(client, "alice")
    token = csrf_from(client.get("/settings/").text)
    ws_id = user.memberships[0].workspace_id
    for target in HOSTILE:
        resp = client.post(
            f"/workspaces/{ws_id}/switch", data={"csrf_token": token, "next": target}
        )
        assert resp.status_code == 302
        assert not _offsite(resp.headers["Location"]), (target, resp.headers["Location"])


def test_tracked_link_redirect_goes_only_to_its_stored_url(app, client, make_user, session):
    """/r/<token> (no sign-in) is a 404 for any token it did not issue, and a known token
    leads to the URL stored with it whatever the query string says."""
    import secrets

    from app.models import AutomationLink

    user = make_user("alice")
    link = AutomationLink(
        workspace_id=user.memberships[0].workspace_id,
        token=secrets.token_urlsafe(16),
        url="https://shop.example/sale",
        url_hash="0" * 64,
    )
    session.add(link)
    session.commit()
    for token in (secrets.token_urlsafe(16), link.token.upper(), link.token[:-2], "..", "%2F"):
        if token == link.token:
            continue
        assert client.get(f"/r/{token}").status_code == 404, token
    assert client.get("/r/").status_code == 404
    for target in HOSTILE:
        resp = client.get(f"/r/{link.token}", query_string={"next": target, "url": target})
        assert resp.status_code == 302
        assert resp.headers["Location"] == "https://shop.example/sale"
    login(client, "alice")  # signed in or not, the same answer
    assert client.get(f"/r/{secrets.token_urlsafe(16)}").status_code == 404
