"""The publishing worker: claims due posts and drives each through its persisted states.

States: scheduled -> preparing (containers created, each id committed the moment Instagram
returns it) -> ready -> publishing (committed BEFORE media_publish is sent) -> published
(media id committed) -> commenting -> done; or failed. A worker killed anywhere resumes from
the stored state; a post found in `publishing` is never re-sent before its container's
status_code is read (PUBLISHED -> reconciled from the account's recent media).

Claims: due posts are claimed in a batch with one atomic
`UPDATE ... WHERE id IN (...) AND lease expired` (safe on SQLite and MariaDB), after
`SELECT ... FOR UPDATE SKIP LOCKED` on MariaDB so concurrent workers do not even contend for
the same rows. Every later write is guarded by
the lease (`WHERE lease_owner = me`), so a worker whose lease expired stops touching the post.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import AccountStatus, InstagramAccount, utcnow
from app.models.post import Post, PostStatus
from app.services.publisher_pause import PAUSED
from app.services.publisher_permalink import claim_permalinks, fetch_permalink, fill_permalinks

log = logging.getLogger("kezek.publisher")

CLAIMABLE = (
    PostStatus.SCHEDULED.value,
    PostStatus.PREPARING.value,
    PostStatus.READY.value,
    PostStatus.PUBLISHING.value,
    PostStatus.PUBLISHED.value,
    PostStatus.COMMENTING.value,
)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:48]


def _due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of posts due now whose lease is free and whose account is usable."""
    stmt = (
        select(Post.id)
        .join(InstagramAccount, InstagramAccount.id == Post.account_id)
        .where(
            Post.status.in_(CLAIMABLE),
            # Paused for a reconnect: resumed as soon as the account is active again.
            or_(Post.next_attempt_at <= now, Post.error_key == PAUSED),
            or_(Post.lease_until.is_(None), Post.lease_until < now),
            InstagramAccount.status == AccountStatus.ACTIVE.value,
        )
        .order_by(Post.next_attempt_at, Post.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "mysql":
        stmt = stmt.with_for_update(skip_locked=True, of=Post)
    return list(session.scalars(stmt))


def claim(
    session: Session, worker_id: str, now: datetime, lease_seconds: int, limit: int
) -> list[int]:
    """Claim up to `limit` due posts for this worker in one statement; commits; their ids."""
    if limit <= 0:
        return []
    ids = _due_ids(session, now, limit)
    if not ids:
        session.commit()
        return []
    until = now + timedelta(seconds=lease_seconds)
    # One UPDATE for the batch, still guarded per row by "lease free" (on SQLite another
    # process may have claimed a row since the SELECT; on MariaDB the rows are locked).
    session.execute(
        update(Post)
        .where(
            Post.id.in_(ids),
            Post.status.in_(CLAIMABLE),
            or_(Post.lease_until.is_(None), Post.lease_until < now),
        )
        .values(lease_owner=worker_id, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    # The rows now ours: worker ids are unique per process and only its claim loop claims.
    claimed = list(
        session.scalars(
            select(Post.id).where(Post.id.in_(ids), Post.lease_owner == worker_id).order_by(Post.id)
        )
    )
    session.commit()
    order = {post_id: n for n, post_id in enumerate(ids)}
    return sorted(claimed, key=order.__getitem__)


def next_due_at(session: Session, now: datetime) -> datetime | None:
    """When the next unleased post of a usable account becomes due (to sleep until then)."""
    return session.scalar(
        select(Post.next_attempt_at)
        .join(InstagramAccount, InstagramAccount.id == Post.account_id)
        .where(
            Post.status.in_(CLAIMABLE),
            Post.next_attempt_at.is_not(None),
            or_(Post.lease_until.is_(None), Post.lease_until < now),
            InstagramAccount.status == AccountStatus.ACTIVE.value,
        )
        .order_by(Post.next_attempt_at)
        .limit(1)
    )


_PROXY_ENV = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
}


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _is_sqlite(sessions: sessionmaker) -> bool:
    bind = sessions.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


class Publisher:
    """One worker process's publishing engine: a claim loop feeding a thread pool."""

    def __init__(
        self,
        sessions: sessionmaker,
        settings,
        *,
        worker_id: str | None = None,
        threads: int | None = None,
        client_factory=None,
    ):
        from app.services.instagram import make_client

        self.sessions = sessions
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.threads = threads or getattr(settings, "PUBLISH_THREADS", 32)
        self.lease_seconds = getattr(settings, "PUBLISH_LEASE_SECONDS", 120)
        self._client_factory = client_factory or (lambda on_usage: make_client(settings, on_usage))
        self._local = threading.local()
        # SQLite has one writer at a time and its busy handler sleeps coarsely: the threads
        # of this process take turns to write instead (a no-op lock on MariaDB).
        self.write_lock = threading.Lock() if _is_sqlite(sessions) else _NoLock()
        self._pool: ThreadPoolExecutor | None = None
        self._busy = 0
        self._lock = threading.Lock()
        # Permalink lookups (publisher_permalink) use at most a quarter of the idle threads.
        self.lookup_permalinks = getattr(settings, "PUBLISH_PERMALINK_LOOKUP", True)
        self.permalink_slots = max(1, self.threads // 4)
        self._permalink_busy = 0

    # -- clients: one per thread (a requests.Session each) ----------------------------------
    def client(self):
        c = getattr(self._local, "client", None)
        if c is None:
            self._local.usage = None
            c = self._client_factory(self._on_usage)
            if not _PROXY_ENV.intersection(k.upper() for k in os.environ):
                # No proxy configured: skip requests' scan of the environment on every call
                # (a measurable share of the worker's CPU per post); keep a CA bundle setting.
                c.session.trust_env = False
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                if bundle:
                    c.session.verify = bundle
            self._local.client = c
        return c

    def _on_usage(self, _ig_user_id, usage) -> None:
        self._local.usage = usage

    def take_usage(self):
        usage = getattr(self._local, "usage", None)
        self._local.usage = None
        return usage

    # -- processing ---------------------------------------------------------------------------
    def process(self, post_id: int, now: datetime | None = None) -> None:
        """Drive one claimed post as far as it can go now; never raises."""
        from app.services.publisher_steps import Runner

        with self.sessions() as session:
            # No autoflush: a query must never open a write transaction that would then be
            # held (on SQLite: the database's only write lock) across a Graph call.
            session.autoflush = False
            try:
                Runner(self, session, post_id, now=now).run()
            except Exception:
                session.rollback()
                log.exception("publishing step crashed", extra={"post": post_id})
                self._release_after_crash(session, post_id)

    def _release_after_crash(self, session: Session, post_id: int) -> None:
        # Our own bug or a lost database: let the lease run out, look again in a minute.
        try:
            session.execute(
                update(Post)
                .where(Post.id == post_id, Post.lease_owner == self.worker_id)
                .values(lease_until=utcnow() + timedelta(seconds=60))
                .execution_options(synchronize_session=False)
            )
            session.commit()
        except Exception:
            session.rollback()

    def run_once(self, now: datetime | None = None, limit: int = 100) -> int:
        """Synchronously claim and process every post due at `now` (tests, CLI); count them."""
        now = now or utcnow()
        with self.sessions() as session, self.write_lock:
            ids = claim(session, self.worker_id, now, self.lease_seconds, limit)
        for post_id in ids:
            self.process(post_id, now=now)
        with self.sessions() as session:
            fill_permalinks(session)
            session.commit()
        if self.lookup_permalinks:
            with self.sessions() as session, self.write_lock:
                found = claim_permalinks(session, self.worker_id, now, self.lease_seconds, limit)
            for post_id in found:
                fetch_permalink(self, post_id, now=now)
        return len(ids)

    def tick(self) -> int:
        """Claim as many due posts as there are idle threads and hand them to the pool."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="publish")
        with self._lock:
            free = self.threads * 2 - self._busy
        if free <= 0:
            return 0
        with self.sessions() as session, self.write_lock:
            ids = claim(session, self.worker_id, utcnow(), self.lease_seconds, free)
        for post_id in ids:
            with self._lock:
                self._busy += 1
            self._pool.submit(self._run_and_count, post_id)
        if not ids and self.lookup_permalinks:
            self._tick_permalinks()  # no due post is waiting: spare threads may look up
        return len(ids)

    def _tick_permalinks(self) -> None:
        with self._lock:
            if self._busy > self._permalink_busy:
                return  # posts are being published: not even their CPU is taken from them
            spare = min(self.threads - self._busy, self.permalink_slots - self._permalink_busy)
        if spare <= 0:
            return
        with self.sessions() as session, self.write_lock:
            ids = claim_permalinks(session, self.worker_id, utcnow(), self.lease_seconds, spare)
        for post_id in ids:
            with self._lock:
                self._busy += 1
                self._permalink_busy += 1
            self._pool.submit(self._permalink_and_count, post_id)

    def _run_and_count(self, post_id: int) -> None:
        try:
            self.process(post_id)
        finally:
            with self._lock:
                self._busy -= 1

    def _permalink_and_count(self, post_id: int) -> None:
        try:
            fetch_permalink(self, post_id)
        except Exception:
            log.exception("permalink lookup crashed", extra={"post": post_id})
        finally:
            with self._lock:
                self._busy -= 1
                self._permalink_busy -= 1

    def idle(self) -> bool:
        with self._lock:
            return self._busy == 0

    def loop(self, stop: threading.Event, max_sleep: float = 1.0) -> None:
        """Run until `stop`: claim whenever posts are due, waking at the due second."""
        last_fill = 0.0
        while not stop.is_set():
            due = None
            try:
                self.tick()
                if time.monotonic() - last_fill > 10:
                    with self.sessions() as session, self.write_lock:
                        fill_permalinks(session)
                        session.commit()
                    last_fill = time.monotonic()
                if not self.idle():
                    # Posts (or permalink lookups) are running: refill freed threads soon.
                    stop.wait(0.05)
                    continue
                with self.sessions() as session:
                    due = next_due_at(session, utcnow())
            except Exception:
                log.exception("publishing loop error")
            wait = max_sleep
            if due is not None:
                wait = min(max_sleep, max(0.0, (due - utcnow()).total_seconds()))
            stop.wait(max(wait, 0.02))

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
