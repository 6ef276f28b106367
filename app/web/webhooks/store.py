"""Durable storage of raw webhook batches for the ingest layer, on the fewest round trips.

Ingest keeps database connections of its own, taken from the app's engine once and then
used directly through the driver: no pool checkout per request (so no pre-ping round trip
and no reset-on-return ROLLBACK), no ORM, no statement compilation. On MariaDB they are in
autocommit mode, so a write costs one round trip (a multi-row INSERT that commits itself);
on SQLite it is INSERT + COMMIT.

Writes are grouped: up to `writers` run at once, each on its own connection, and requests
arriving while every writer is busy share the next write (one commit answers all of them).
MariaDB merges the disk flushes of concurrent commits itself, so there several writers
keep the latency down; SQLite takes one writer at a time, so there one writer batches.
A connection the server dropped (a restart, `wait_timeout`) is replaced and the write tried
once more, which is what the pool's pre-ping would have done.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import Engine, bindparam, event, insert

from app.models import WebhookEvent, utcnow

log = logging.getLogger("app.web.webhooks")

COLUMNS = ("body", "received_at", "status", "attempts", "entries", "dropped")
# At most this many writes at once per process on MariaDB (gunicorn's threads bound it).
SERVER_WRITERS = 8
# A connection idle longer than this is replaced before use rather than trusted.
IDLE_SECONDS = 300


class Link:
    """One driver connection of ours (the pool's wrapper is detached: closing it closes)."""

    def __init__(self, engine: Engine, autocommit: bool):
        fairy = engine.raw_connection()
        self.conn = fairy.driver_connection
        fairy.detach()  # never returned to (or reset by) the pool
        if autocommit:
            self.conn.autocommit(True)
        else:
            self.conn.rollback()  # end what the pool's checkout may have begun
        self.fairy = fairy
        self.pid = os.getpid()
        self.last_used = time.monotonic()

    def fresh(self) -> bool:
        return self.pid == os.getpid() and time.monotonic() - self.last_used < IDLE_SECONDS

    def close(self) -> None:
        if self.pid != os.getpid():
            return  # inherited over fork: the parent's to close
        try:
            self.fairy.close()
        except Exception:  # already broken: nothing to release
            pass


class BatchStore:
    """Inserts raw batches; requests arriving while every writer is busy share a write."""

    def __init__(self, engine: Engine):
        self.engine = engine
        dialect = engine.dialect
        self.autocommit = dialect.name in ("mysql", "mariadb")
        self.writers = SERVER_WRITERS if self.autocommit else 1
        self.lock = threading.Lock()
        self.queue: list[list] = []
        self.busy = 0
        self.idle: list[Link] = []
        table = WebhookEvent.__table__
        stmt = insert(table).values({name: bindparam(name) for name in COLUMNS})
        compiled = stmt.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup) if compiled.positional else None
        self.processors = {}
        for name in COLUMNS:
            proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.processors[name] = proc
        event.listen(engine, "engine_disposed", self._on_dispose)

    def store(self, text: str) -> None:
        """Return once the batch is committed; raise if it could not be."""
        item = [text, threading.Event(), None]
        with self.lock:
            self.queue.append(item)
            lead = self.busy < self.writers
            if lead:
                self.busy += 1
        if lead:
            self._drain()
        item[1].wait()  # set by whichever writer took it (possibly this thread)
        if item[2] is not None:
            raise item[2]

    def _drain(self) -> None:
        """Write what is queued, batch after batch, until the queue is empty."""
        link = None
        while True:
            with self.lock:
                batch, self.queue = self.queue, []
                if not batch:
                    # Under the same lock as the check, so no request is left unled.
                    self.busy -= 1
                    if link is not None:
                        self.idle.append(link)
                    return
                if link is None:
                    link = self._take_link()
            error = None
            try:
                link = self._write(link, [b[0] for b in batch])
            except Exception as exc:  # every waiter learns it was not stored
                error, link = exc, None
            for b in batch:
                b[2] = error
                b[1].set()

    def _take_link(self) -> Link | None:
        """An idle connection (caller holds the lock); None: make one outside the lock."""
        while self.idle:
            link = self.idle.pop()
            if link.fresh():
                return link
            link.close()
        return None

    def _params(self, bodies: list[str]) -> list:
        row = {
            "received_at": utcnow(),
            "status": "pending",
            "attempts": 0,
            "entries": 0,
            "dropped": 0,
        }
        for name, proc in self.processors.items():
            if name != "body":
                row[name] = proc(row[name])
        body_proc = self.processors.get("body")
        rows = []
        for body in bodies:
            values = {**row, "body": body_proc(body) if body_proc else body}
            rows.append(tuple(values[k] for k in self.order) if self.order else values)
        return rows

    def _write(self, link: Link | None, bodies: list[str]) -> Link:
        """Insert and commit on `link` (or a new connection); return the link to keep."""
        params = self._params(bodies)
        for attempt in (1, 2):
            link = link or Link(self.engine, self.autocommit)
            try:
                cursor = link.conn.cursor()
                try:
                    cursor.executemany(self.sql, params)
                finally:
                    cursor.close()
                if not self.autocommit:
                    link.conn.commit()
                link.last_used = time.monotonic()
                return link
            except Exception as exc:
                disconnect = self.engine.dialect.is_disconnect(exc, link.conn, None)
                link.close()
                link = None
                if not disconnect or attempt == 2:
                    raise
                # Autocommit: if the INSERT had committed before the link broke, the batch is
                # stored twice; processing is idempotent (unique comment ids and mids).
                log.warning("webhook store connection lost, reconnecting")
        raise AssertionError("unreachable")

    def _on_dispose(self, _engine) -> None:
        # The app's engine is disposed (shutdown, tests, gunicorn's post_fork): close the idle
        # connections (a connection inherited over fork is left to its parent).
        with self.lock:
            idle, self.idle = self.idle, []
        for link in idle:
            link.close()
