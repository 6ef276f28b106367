"""Two workspaces full of rows, signed-in clients for their people, and URL helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from werkzeug.routing import Rule

from app.models import Role
from app.services.api_tokens import create_token
from app.services.workspaces import add_member
from tests.conftest import csrf_from, login
from tests.security.seed import PARAM_FACTORIES, Seed

# Distinctive strings: B's rows all carry B_MARKER, so a leak is a substring search away.
A_MARKER = "Qwalice"
B_MARKER = "Zyxbob"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def methods_of(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def is_api(rule: Rule) -> bool:
    return rule.endpoint.startswith("api.")


def url_for_rule(rule: Rule, seed: Seed) -> str:
    """The rule's path with each parameter filled from `seed` (KeyError: no factory)."""
    return ARG.sub(lambda m: str(PARAM_FACTORIES[m.group(1)].make(seed)), rule.rule)


def has_tenant_param(rule: Rule) -> bool:
    return any(PARAM_FACTORIES[a].tenant for a in rule.arguments)


def leaks(body: str, marker: str = B_MARKER) -> bool:
    return marker.lower() in body.lower()


@dataclass
class World:
    app: object
    a: Seed
    b: Seed
    alice: object  # owner of A (test client, signed in)
    victor: object  # viewer of A (test client, signed in, switched to A)
    anon: object  # nobody signed in
    alice_token: str
    victor_token: str
    alice_csrf: str
    victor_csrf: str
    anon_csrf: str

    def rules(self):
        return sorted(self.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


@pytest.fixture
def world(app, session, make_user) -> World:
    alice = make_user(A_MARKER.lower())
    bob = make_user(B_MARKER.lower())
    victor = make_user("victor")
    ws_a = alice.memberships[0].workspace
    ws_b = bob.memberships[0].workspace
    add_member(session, ws_a, victor, Role.VIEWER)
    a, b = Seed(session, alice, ws_a, A_MARKER), Seed(session, bob, ws_b, B_MARKER)
    b.everything()
    a.everything()
    _r, alice_raw = create_token(session, alice, "crawler")
    _r, victor_raw = create_token(session, victor, "crawler")
    session.commit()

    clients = {name: app.test_client() for name in ("alice", "victor", "anon")}
    assert login(clients["alice"], A_MARKER.lower()).status_code == 302
    assert login(clients["victor"], "victor").status_code == 302
    v_csrf = csrf_from(clients["victor"].get("/settings/").text)
    switched = clients["victor"].post(f"/workspaces/{ws_a.id}/switch", data={"csrf_token": v_csrf})
    assert switched.status_code == 302
    return World(
        app=app,
        a=a,
        b=b,
        alice=clients["alice"],
        victor=clients["victor"],
        anon=clients["anon"],
        alice_token=alice_raw,
        victor_token=victor_raw,
        alice_csrf=csrf_from(clients["alice"].get("/settings/").text),
        victor_csrf=v_csrf,
        anon_csrf=csrf_from(clients["anon"].get("/login").text),
    )
