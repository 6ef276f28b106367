"""`python -m scheduler.publishing`: only the publishing loop (tests, benchmarks, scaling out).

Wakes at the due second of the next post (at most one second apart), claims due posts with
leases and publishes them in a thread pool; SIGTERM/SIGINT stop it after the running posts.
It needs no Flask app: settings, an engine and the publishing services.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

log = logging.getLogger("kezek.scheduler")


def main() -> int:
    from sqlalchemy.orm import sessionmaker

    from app.config import ConfigError, load_settings
    from app.extensions import make_engine, wait_for_database
    from app.logging_setup import configure_logging
    from app.services.publisher import Publisher

    try:
        settings = load_settings()
    except ConfigError as e:
        print(f"kezek publishing: configuration error: {e}", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL)
    # One connection per publishing thread, plus the claim loop's.
    engine = make_engine(
        settings.DATABASE_URL, pool_size=settings.PUBLISH_THREADS + 2, max_overflow=4
    )
    wait_for_database(engine, settings.DB_CONNECT_RETRY_SECONDS)
    # Open the threads' connections now, not in the first burst of due posts (each new
    # connection costs tens of milliseconds of CPU: PyMySQL builds a TLS context for it).
    conns = [engine.connect() for _ in range(settings.PUBLISH_THREADS + 1)]
    for conn in conns:
        conn.close()
    # Imported on first use by every post's media URL: load it now, not under the import lock
    # that the first burst's threads would all wait on.
    import app.services.media  # noqa: F401

    pub = Publisher(sessionmaker(engine, expire_on_commit=False), settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("publishing loop started", extra={"worker": pub.worker_id})
    pub.loop(stop)
    pub.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
