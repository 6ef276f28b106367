"""Every sign-in path of the app goes through a Traefik router with a rate-limit middleware.

The routers' rules (labels in compose.yaml) are evaluated here for each path, the way
Traefik picks a router: of the matching ones, the highest priority (then the longest rule).
The sign-in paths are taken from the app's own routes, so a new /signin/... or /invite...
route is checked the day it is added.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from app import create_app
from tests.conftest import app_config
from tests.deploy.conftest import load_yaml

_MATCHER = re.compile(r"(Host|Path|PathPrefix)\(`([^`]*)`\)")


def _compile(rule: str):
    """A Traefik v3 rule of Host/Path/PathPrefix with &&, || and () as a predicate."""

    def matcher(m: re.Match) -> str:
        kind, value = m.groups()
        if kind == "Host":
            return "True"  # every router here is on ${DOMAIN}; the test asserts it separately
        if kind == "Path":
            return f"(path == {value!r})"
        return f"path.startswith({value!r})"

    expr = _MATCHER.sub(matcher, rule).replace("&&", " and ").replace("||", " or ")
    expr = " ".join(expr.split())
    leftover = re.sub(r"True|path\.startswith|path|and|or|'[^']*'|==|[()\s]", "", expr)
    assert not leftover, f"unsupported rule syntax in {rule!r}: {leftover!r}"
    code = compile(expr, "<rule>", "eval")
    return lambda path: eval(code, {"__builtins__": {}}, {"path": path})  # noqa: S307


def _routers() -> dict[str, dict]:
    labels = load_yaml("compose.yaml")["services"]["app"]["labels"]
    routers: dict[str, dict] = {}
    for key, value in labels.items():
        parts = key.split(".")
        if parts[:3] == ["traefik", "http", "routers"]:
            routers.setdefault(parts[3], {})[".".join(parts[4:])] = value
    return routers


def _router_for(path: str, routers: dict[str, dict]) -> str:
    matching = [name for name, r in routers.items() if _compile(r["rule"])(path)]
    assert matching, f"no router serves {path}"
    return max(
        matching, key=lambda n: (int(routers[n].get("priority", 0)), len(routers[n]["rule"]))
    )


def _sample(rule: Rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", rule.rule)


def signin_paths() -> list[str]:
    """The app's sign-in routes: /login, /signin/..., /invite... (with sample values)."""
    app = create_app(app_config("sqlite://"))
    paths = {
        _sample(rule)
        for rule in app.url_map.iter_rules()
        if rule.rule == "/login" or rule.rule.startswith(("/signin/", "/invite"))
    }
    return sorted(paths)


SIGNIN_PATHS = signin_paths()


def test_the_app_has_the_expected_signin_routes():
    for path in ("/login", "/signin/x", "/signin/x/callback", "/signin/telegram/x", "/invite"):
        assert path in SIGNIN_PATHS
    assert any(p.startswith("/invite/") for p in SIGNIN_PATHS)


@pytest.mark.parametrize("path", SIGNIN_PATHS)
def test_signin_paths_go_through_the_rate_limit(path):
    routers = _routers()
    middlewares = load_yaml("traefik/dynamic/middlewares.yml")["http"]["middlewares"]
    name = _router_for(path, routers)
    used = [m.removesuffix("@file") for m in routers[name]["middlewares"].split(",")]
    limits = [middlewares[m]["rateLimit"] for m in used if "rateLimit" in middlewares[m]]
    assert limits, f"{path} is served by {name}, which has no rate limit"
    [limit] = limits
    assert limit["average"] > 0 and limit["burst"] > 0 and limit["period"]
    # Grouped by the connection's address, never by a header a client can forge.
    assert limit["sourceCriterion"] == {"ipStrategy": {"depth": 0}}
    assert "security-headers" in used


@pytest.mark.parametrize("path", ["/", "/settings/", "/publishing/", "/settings/invitations"])
def test_other_pages_are_not_held_to_the_signin_limit(path):
    routers = _routers()
    assert _router_for(path, routers) == "kezek"


def test_the_rule_evaluator_follows_traefik_precedence():
    routers = {
        "all": {"rule": "Host(`${DOMAIN}`)"},
        "login": {"rule": "Host(`${DOMAIN}`) && Path(`/login`)", "priority": "100"},
    }
    assert _router_for("/login", routers) == "login"
    assert _router_for("/login/x", routers) == "all"
