"""A process-wide cache of providers' signing keys (JWKS), shared by every request thread.

Google publishes its ID-token keys with `Cache-Control: max-age=...` and rotates them
every few weeks, announcing the new key before signing with it. So the key set is kept
for max-age (within bounds) and fetched again early only when a token names a key id
the cached set does not hold (the caller asks with `force=True`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

DEFAULT_MAX_AGE = 3600  # when the provider sends no usable Cache-Control
MIN_MAX_AGE = 60  # "no-cache" or max-age=0 would mean a fetch per sign-in
MAX_MAX_AGE = 24 * 3600  # a key removed by the provider stops being trusted within a day
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def max_age(cache_control: str | None) -> int:
    """Seconds to keep a key set, from its Cache-Control header, within the bounds."""
    match = _MAX_AGE.search(cache_control or "")
    seconds = int(match.group(1)) if match else DEFAULT_MAX_AGE
    return min(max(seconds, MIN_MAX_AGE), MAX_MAX_AGE)


@dataclass
class _Entry:
    keys: dict
    expires: float


class JwksCache:
    """Key sets by URL: fetched once, kept for their max-age, refetched on demand."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetches = 0  # HTTP fetches made so far

    def _lock_for(self, url: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(url, threading.Lock())

    def _fresh(self, url: str) -> dict | None:
        entry = self._entries.get(url)
        if entry is not None and entry.expires > self._clock():
            return entry.keys
        return None

    def get(self, url: str, *, timeout: float, force: bool = False) -> dict:
        """The key set at `url`; `force` fetches it again (a token named an unknown key)."""
        if not force and (keys := self._fresh(url)) is not None:
            return keys
        seen = self._entries.get(url)
        # One fetch at a time per URL: threads that waited use the set just fetched.
        with self._lock_for(url):
            current = self._entries.get(url)
            if current is not None and current is not seen and current.expires > self._clock():
                return current.keys
            if not force and (keys := self._fresh(url)) is not None:
                return keys
            resp = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
            self.fetches += 1
            resp.raise_for_status()
            keys = resp.json()
            if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
                raise ValueError("not a JWK set")
            ttl = max_age(resp.headers.get("Cache-Control"))
            self._entries[url] = _Entry(keys, self._clock() + ttl)
            return keys

    def clear(self) -> None:
        """Forget every key set (settings changed, or a test starts afresh)."""
        with self._guard:
            self._entries.clear()


CACHE = JwksCache()
