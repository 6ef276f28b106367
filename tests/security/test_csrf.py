"""CSRF: every state-changing dashboard route refuses a signed-in request without a valid token.

The exceptions are listed with their reason; a view exempted in code but not listed here fails
`test_every_csrf_exemption_is_listed`, so a new exemption is a decision someone wrote down.
"""

from __future__ import annotations

import pytest

from app.extensions import csrf
from tests.security.conftest import WRITE_METHODS, is_api, methods_of, url_for_rule

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Exempt from Flask-WTF's CSRF check, each for a reason.
EXEMPT = {
    "api.*": "bearer tokens only; the API ignores cookies (app.web.api.auth.ignore_cookies)",
    "privacy.data_deletion": "Meta's server calls it; authenticated by the HMAC signed_request",
    "privacy.deauthorize_callback": "Meta's server calls it; HMAC signed_request",
    "main.healthz": "GET probe (exempt so a probe never needs a session)",
    "main.readyz": "GET probe",
    # Exempt from the global check only to set the body limit first; the view then checks
    # the token itself (app.web.media.views.upload), so it IS tested below.
    "media.upload": "checked by the view after the size limit is set",
}
# Not in url_map at all: POST /webhooks/instagram is answered by a WSGI layer in front of
# Flask (app.web.webhooks.ingest), authenticated by Meta's X-Hub-Signature-256 HMAC.
WSGI_ONLY = {"/webhooks/instagram": "Meta's signed webhook deliveries (HMAC of the body)"}


def _view_path(app, endpoint: str) -> str:
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}"


def test_every_csrf_exemption_is_listed(app):
    exempt_views = csrf._exempt_views
    listed = {_view_path(app, e) for e in EXEMPT if e in app.view_functions}
    unlisted = {
        f"{r.endpoint} ({_view_path(app, r.endpoint)})"
        for r in app.url_map.iter_rules()
        if _view_path(app, r.endpoint) in exempt_views and _view_path(app, r.endpoint) not in listed
    }
    assert not unlisted, f"list these CSRF exemptions with a reason in EXEMPT: {unlisted}"
    names = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    assert names <= {"api"}, names


def _writes(world):
    for rule in world.rules():
        if is_api(rule) or rule.endpoint in EXEMPT and rule.endpoint != "media.upload":
            continue
        for method in methods_of(rule):
            if method in WRITE_METHODS:
                yield rule, method


@pytest.mark.parametrize("token", ["missing", "forged", "another session's"])
def test_state_changing_routes_refuse_without_a_valid_token(world, token):
    """Signed in as the owner, on the owner's own rows: 400, and nothing done."""
    problems, checked = [], 0
    value = {"missing": None, "forged": "ImZvcmdlZCI.aaaa.bbbb", "another session's": None}[token]
    if token == "another session's":
        value = world.victor_csrf  # valid, but bound to Victor's session
    for rule, method in _writes(world):
        url = url_for_rule(rule, world.a)
        data = {"csrf_token": value} if value else {}
        # The upload answers scripts in JSON (a redirect with a flash otherwise).
        headers = {"X-Requested-With": "XMLHttpRequest"}
        resp = world.alice.open(url, method=method, data=data, headers=headers)
        checked += 1
        if resp.status_code != 400:
            problems.append(f"{method} {url}: {resp.status_code}")
        elif "form has expired" not in resp.text:
            problems.append(f"{method} {url}: 400 without the CSRF message")
    assert not problems, "\n".join(problems)
    assert checked > 60
    # Still signed in, and nothing was changed: A's rows are all there.
    assert world.alice.get("/settings/").status_code == 200
    assert "Qwalice caption" in world.alice.get(f"/publishing/posts/{world.a.post.id}").text


def test_the_token_is_accepted_when_present(world):
    """The check can fail: the same kind of request with the token goes through."""
    resp = world.alice.post(
        f"/notifications/{world.a.notification.id}/read", data={"csrf_token": world.alice_csrf}
    )
    assert resp.status_code in (200, 204, 302)


def test_webhook_post_is_outside_flask_and_signature_checked(client):
    resp = client.post(
        "/webhooks/instagram",
        data=b'{"object":"instagram","entry":[]}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code in (401, 403), resp.status_code
    assert set(WSGI_ONLY) == {"/webhooks/instagram"}
