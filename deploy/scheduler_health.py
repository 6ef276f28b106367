"""Scheduler health check: exit 0 while this host's worker beats, 1 otherwise.

Compose runs it inside the scheduler container, whose hostname is unique, so the rows
`<hostname>-<pid>` in worker_heartbeat are this container's. Healthy means a row that
is not marked stopped and was touched within three heartbeat intervals.
"""

from __future__ import annotations

import socket
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    """Print one line and return the exit code for Docker's health check."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from app.config import ConfigError, load_settings
    from app.extensions import make_engine
    from app.models import WorkerHeartbeat, utcnow

    try:
        settings = load_settings()
    except ConfigError as e:
        print(f"unhealthy: configuration error: {e}")
        return 1
    since = utcnow() - timedelta(seconds=3 * settings.HEARTBEAT_SECONDS + 5)
    prefix = f"{socket.gethostname()}-"
    engine = make_engine(settings.DATABASE_URL)
    try:
        with engine.connect() as conn:
            beat = conn.scalar(
                select(WorkerHeartbeat.beat_at)
                .where(WorkerHeartbeat.worker_id.startswith(prefix, autoescape=True))
                .where(WorkerHeartbeat.stopped_at.is_(None))
                .where(WorkerHeartbeat.beat_at >= since)
                .order_by(WorkerHeartbeat.beat_at.desc())
                .limit(1)
            )
    except SQLAlchemyError as e:
        print(f"unhealthy: database unreachable ({type(e).__name__})")
        return 1
    finally:
        engine.dispose()
    if beat is None:
        print(f"unhealthy: no heartbeat from {prefix}* since {since:%H:%M:%S} UTC")
        return 1
    print(f"healthy: last heartbeat {beat:%H:%M:%S} UTC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
