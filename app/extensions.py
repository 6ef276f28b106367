"""Extensions created unbound; create_app() binds them."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the options Kezek needs on SQLite and MariaDB."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("mysql") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    # READ COMMITTED: each statement sees committed work of other processes (the worker
    # and the web app poll each other's rows), as Django also chooses for MySQL.
    kwargs.setdefault("isolation_level", "READ COMMITTED")
    return create_engine(url, pool_pre_ping=True, pool_recycle=3600, **kwargs)


def wait_for_database(engine: Engine, seconds: float) -> None:
    """Retry connecting while the database boots, up to `seconds`."""
    deadline = time.monotonic() + seconds
    delay = 0.5
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            log.warning("database not reachable yet, retrying", extra={"delay": delay})
            time.sleep(delay)
            delay = min(delay * 2, 5)


class Database:
    """The engine and a session per application context."""

    def init_app(self, app: Flask, engine: Engine | None = None) -> None:
        settings = app.config["SETTINGS"]
        engine = engine or make_engine(settings.DATABASE_URL)
        app.extensions["kezek.db"] = (engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._remove)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["kezek.db"][0]

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use."""
        sess = g.get("_db_session")
        if sess is None:
            sess = current_app.extensions["kezek.db"][1]()
            g._db_session = sess
        return sess

    @staticmethod
    def _remove(exc: BaseException | None) -> None:
        sess = g.pop("_db_session", None)
        if sess is not None:
            if exc is not None:
                sess.rollback()
            sess.close()


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
