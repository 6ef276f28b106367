"""Tenant isolation on every registered route, dashboard and API, found from `app.url_map`.

Workspaces A and B each hold one row of every kind a route names by id (tests/security/seed.py).
A's owner asks for each route with B's ids (every method, with a valid CSRF token or bearer
token): 403/404 only, and never a byte of B's data. Nobody signed in: a redirect to the login
page (401 from the API). A viewer of A: 403 on every write. A new route is covered the day it
is registered; a new kind of id fails `test_every_route_parameter_has_a_factory` until
seed.py can make one.

Runs on SQLite only: the sweeps are ~1,000 requests through the same views and queries the
feature tests already run on both backends; what is checked here (who may see what) does not
depend on the database.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.security.conftest import (
    ARG,
    WRITE_METHODS,
    has_tenant_param,
    is_api,
    leaks,
    methods_of,
    url_for_rule,
)
from tests.security.seed import PARAM_FACTORIES

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Open without signing in, each for a reason. Everything else must send strangers to login.
PUBLIC_ENDPOINTS = {
    "static": "CSS/JS/images",
    "main.favicon": "browser icon",
    "main.healthz": "liveness probe for the orchestrator",
    "main.readyz": "readiness probe for the orchestrator",
    "auth.login": "the sign-in page",
    "auth.set_language": "language switcher on the sign-in page (a cookie only)",
    "privacy.policy": "public privacy policy (Meta app review needs it)",
    "privacy.terms": "public terms of service",
    "privacy.instructions": "public data-deletion instructions (Meta app review)",
    "privacy.deletion_status": "Meta's deletion status link, keyed by a confirmation code",
    "privacy.data_deletion": "Meta's signed data-deletion callback (signed_request)",
    "privacy.deauthorize_callback": "Meta's signed deauthorize callback (signed_request)",
    "webhooks.verify": "Meta's webhook verification handshake (verify token)",
    "media.public_file": "capability URL Instagram fetches media from (secret token)",
    "links.follow": "tracked link of an automated DM: counts a click, redirects (secret token)",
    "identity.accept": "invitation landing page (secret invitation token)",
    "identity.join": "accepting an invitation by creating an account",
    "identity.accept_with": "accepting an invitation with Google/Yandex/Telegram",
    "identity.telegram_invite": "Telegram widget return for an invitation",
    "identity.oauth_start": "sign in with Google/Yandex",
    "identity.oauth_callback": "Google/Yandex return (state checked)",
    "identity.telegram_login": "Telegram widget return (signature checked)",
    "api.openapi_json": "the API's published description",
}

# Writes a viewer may make: they act on the viewer's own user, not on the workspace.
PERSONAL_WRITES = {
    "auth.logout": "signing out",
    "auth.set_language": "own language",
    "auth.change_password": "own password",
    "auth.login": "signing in (as someone else)",
    "settings.profile": "own profile",
    "settings.notifications": "own notification preferences",
    "settings.tokens": "own API tokens",
    "settings.revoke_token": "own API tokens",
    "notifications.mark_read": "own read marks",
    "notifications.mark_all_read": "own read marks",
    "main.switch_workspace": "choosing among own workspaces",
    "privacy.start_own_export": "own data export (GDPR access)",
    "privacy.new_export_link": "own data export",
    "privacy.delete_all": "deleting own account",
    "identity.unlink": "own sign-in methods",
    "identity.set_first_password": "own sign-in methods",
    "identity.join": "public invitation acceptance",
    "privacy.data_deletion": "Meta callback (no session)",
    "privacy.deauthorize_callback": "Meta callback (no session)",
    "api.update_me": "own profile",
    "api.mark_notification_read": "own read marks",
    "api.mark_all_notifications_read": "own read marks",
    "api.start_data_export": "own data export",
    "api.delete_all_my_data": "deleting own account",
    "api.unlink_my_identity": "own sign-in methods",
    "admin.users": "operator admin only (403 for everyone else, checked as 403 too)",
}


def _api_headers(token: str, workspace_id: int | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    if workspace_id is not None:
        headers["X-Kezek-Workspace"] = str(workspace_id)
    return headers


def _call(world, client, rule, method, seed, *, csrf=None, token=None, workspace_id=None):
    url = url_for_rule(rule, seed)
    if is_api(rule):
        headers = _api_headers(token, workspace_id) if token else {}
        # No body: the id is checked before the body is (a 422 would come first otherwise).
        return url, client.open(url, method=method, headers=headers)
    data = {"csrf_token": csrf} if csrf and method in WRITE_METHODS else None
    return url, client.open(url, method=method, data=data)


def test_every_route_parameter_has_a_factory(app):
    missing = {
        f"{rule.endpoint}: <{arg}>"
        for rule in app.url_map.iter_rules()
        for arg in rule.arguments
        if arg not in PARAM_FACTORIES
    }
    assert not missing, f"add a factory to tests/security/seed.py for {sorted(missing)}"


def test_exemption_lists_name_real_endpoints(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    stale = (set(PUBLIC_ENDPOINTS) | set(PERSONAL_WRITES)) - endpoints
    assert not stale, f"remove from the lists: {sorted(stale)}"


def test_owner_of_a_never_reaches_workspace_b(world):
    """Dashboard (cookie + CSRF) and API (bearer token), every method, B's ids: 403/404."""
    problems, checked = [], 0
    for rule in world.rules():
        if not rule.arguments or rule.endpoint in ("static", "media.public_file"):
            continue
        for method in methods_of(rule):
            url, resp = _call(
                world,
                world.alice if not is_api(rule) else world.anon,
                rule,
                method,
                world.b,
                csrf=world.alice_csrf,
                token=world.alice_token,
            )
            body = resp.get_data(as_text=True)
            checked += 1
            if leaks(body):
                problems.append(f"{method} {url}: B's data in a {resp.status_code} answer")
            if resp.status_code >= 500:
                problems.append(f"{method} {url}: {resp.status_code}")
            elif is_api(rule) and resp.status_code == 422:
                # The body is checked before the id: fine when a row that exists nowhere
                # gets the very same answer (nothing about B's row is told).
                ghost = ARG.sub("999999999", rule.rule)
                other = world.anon.open(
                    ghost, method=method, headers=_api_headers(world.alice_token)
                )
                if (other.status_code, other.get_json()) != (422, resp.get_json()):
                    problems.append(f"{method} {url}: 422 differs from a missing row's answer")
            elif has_tenant_param(rule) and resp.status_code not in (403, 404):
                problems.append(f"{method} {url}: {resp.status_code}, not 403/404")
            elif is_api(rule) and has_tenant_param(rule):
                if resp.get_json()["error"]["code"] != "not_found":
                    problems.append(f"{method} {url}: {resp.get_json()}")
    assert not problems, "\n".join(problems)
    assert checked > 100


def test_list_pages_show_only_the_own_workspace(world):
    """Every GET route without parameters, dashboard and API, shows A's rows and no B's."""
    problems = []
    for rule in world.rules():
        if rule.arguments or "GET" not in rule.methods:
            continue
        url, resp = _call(world, world.alice, rule, "GET", world.a, token=world.alice_token)
        if leaks(resp.get_data(as_text=True)):
            problems.append(f"GET {url}: B's data")
        if resp.status_code >= 500:
            problems.append(f"GET {url}: {resp.status_code}")
    assert not problems, "\n".join(problems)
    # The sweep can tell: A's own rows do show up where they are listed.
    assert leaks(world.alice.get("/publishing/").get_data(as_text=True), "Qwalice")
    assert leaks(
        world.alice.get("/api/v1/media", headers=_api_headers(world.alice_token)).text, "Qwalice"
    )


def test_nobody_signed_in_is_sent_to_login_or_401(world):
    problems = []
    for rule in world.rules():
        for method in methods_of(rule):
            # A fresh token each time: signing out (POST /logout) drops the session's one.
            csrf = csrf_from(world.anon.get("/login").text) if method in WRITE_METHODS else None
            url, resp = _call(world, world.anon, rule, method, world.b, csrf=csrf)
            body = resp.get_data(as_text=True)
            if leaks(body):
                problems.append(f"{method} {url}: B's data to a stranger")
            if resp.status_code >= 500:
                problems.append(f"{method} {url}: {resp.status_code}")
            if rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            if is_api(rule):
                if resp.status_code != 401:
                    problems.append(f"{method} {url}: {resp.status_code}, not 401")
            elif resp.status_code != 302 or "/login" not in resp.headers.get("Location", ""):
                problems.append(f"{method} {url}: {resp.status_code}, not a redirect to login")
    assert not problems, "\n".join(problems)


def test_a_viewer_cannot_write(world):
    """A viewer of A, on A's own rows: every write (dashboard and API) is a 403."""
    ws_a = world.a.ws.id
    problems, checked = [], 0
    for rule in world.rules():
        if rule.endpoint in PERSONAL_WRITES or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in (m for m in methods_of(rule) if m in WRITE_METHODS):
            url, resp = _call(
                world,
                world.victor if not is_api(rule) else world.anon,
                rule,
                method,
                world.a,
                csrf=world.victor_csrf,
                token=world.victor_token,
                workspace_id=ws_a,
            )
            checked += 1
            if resp.status_code != 403:
                problems.append(f"{method} {url}: {resp.status_code}, not 403")
    assert not problems, "\n".join(problems)
    assert checked > 50
