"""Google's signing keys (JWKS): fetched once and cached, refetched once on a new key id."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Identity
from app.services import jwks
from app.services.jwks import JwksCache
from tests.conftest import post_form
from tests.identity.conftest import oauth_round_trip


@pytest.fixture
def dana(make_user, session):
    user = make_user("dana")
    session.add(Identity(user_id=user.id, provider="google", provider_user_id="g-1001"))
    session.commit()
    return user


def _sign_in(client) -> str:
    resp, _cb = oauth_round_trip(client, "/signin/google")
    location = resp.headers["Location"]
    if location == "/":
        post_form(client, "/settings/", "/logout", {})
    return location


def _successes(session, user) -> int:
    return session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.action == "login", AuditLog.user_id == user.id, AuditLog.result == "success"
        )
    )


def test_a_second_sign_in_does_not_fetch_the_keys_again(client, providers, dana, session):
    assert _sign_in(client) == "/"
    assert _sign_in(client) == "/"
    assert providers.google.certs_requests == 1
    assert _successes(session, dana) == 2


def test_a_rotated_key_is_fetched_once_then_cached(client, providers, dana, session):
    assert _sign_in(client) == "/"
    providers.google.rotate("google-2")
    assert _sign_in(client) == "/"  # unknown kid: the key set is fetched again, once
    assert providers.google.certs_requests == 2
    assert _sign_in(client) == "/"
    assert providers.google.certs_requests == 2
    assert _successes(session, dana) == 3


def test_a_key_id_google_never_published_is_refused_after_one_refetch(
    client, providers, dana, session
):
    assert _sign_in(client) == "/"
    providers.google.kid = providers.google.signing_key = "unpublished"
    assert _sign_in(client) == "/login"
    assert providers.google.certs_requests == 2
    assert _successes(session, dana) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("public, max-age=20925, must-revalidate, no-transform", 20925),
        ("max-age=0", jwks.MIN_MAX_AGE),
        ("no-cache", jwks.DEFAULT_MAX_AGE),
        (None, jwks.DEFAULT_MAX_AGE),
        ("s-maxage=10", jwks.DEFAULT_MAX_AGE),
        ("max-age=31536000", jwks.MAX_MAX_AGE),
    ],
)
def test_max_age_comes_from_cache_control_within_bounds(header, seconds):
    assert jwks.max_age(header) == seconds


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_are_fetched_again_when_their_max_age_has_passed(providers):
    url = f"{providers.url}/google/certs"
    providers.google.cache_control = "max-age=300"
    clock = Clock()
    cache = JwksCache(clock)
    first = cache.get(url, timeout=5)
    assert [k["kid"] for k in first["keys"]] == ["google-1"]
    clock.now += 299
    assert cache.get(url, timeout=5) is first
    assert providers.google.certs_requests == 1
    clock.now += 2
    providers.google.rotate("google-2")
    assert [k["kid"] for k in cache.get(url, timeout=5)["keys"]] == ["google-1", "google-2"]
    assert providers.google.certs_requests == 2
    cache.get(url, timeout=5, force=True)
    assert providers.google.certs_requests == 3


def test_threads_asking_together_share_one_fetch(providers):
    url = f"{providers.url}/google/certs"
    cache = JwksCache()
    start = threading.Barrier(8)
    results = []

    def ask():
        start.wait()
        results.append(cache.get(url, timeout=5))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert providers.google.certs_requests == cache.fetches == 1
