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
