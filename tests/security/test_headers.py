"""Security headers on every page: each GET route, signed in (with A's own ids) and not."""

from __future__ import annotations

import pytest

from tests.security.conftest import url_for_rule

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def header_problems(resp) -> list[str]:
    problems = []
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    if script_src is None:
        problems.append("no script-src")
    elif "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"script-src {script_src}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    referrer = resp.headers.get("Referrer-Policy", "")
    if referrer not in (
        "strict-origin-when-cross-origin",
        "same-origin",
        "no-referrer",
        "strict-origin",
    ):
        problems.append(f"Referrer-Policy {referrer!r}")
    return problems


def test_every_get_route_sends_the_security_headers(world):
    problems, checked = [], 0
    for rule in world.rules():
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, world.a)
        for who, client in (("owner", world.alice), ("stranger", world.anon)):
            resp = client.get(url)
            checked += 1
            problems += [
                f"{who} GET {url} ({resp.status_code}): {p}" for p in header_problems(resp)
            ]
    # Error pages and the API too.
    for url in ("/no-such-page", "/api/v1/no-such", "/api/v1/users/me"):
        resp = world.anon.get(url)
        problems += [f"GET {url} ({resp.status_code}): {p}" for p in header_problems(resp)]
    assert not problems, "\n".join(problems)
    assert checked > 150


def test_the_check_catches_a_weak_policy(world):
    class Fake:
        headers = {
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
            "Referrer-Policy": "unsafe-url",
        }

    assert len(header_problems(Fake)) == 4
