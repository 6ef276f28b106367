"""`python -m scheduler`: build the app, start the BlockingScheduler, stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger("kezek.scheduler")


def main() -> int:
    """Run the worker until SIGTERM or SIGINT."""
    from app import create_app
    from app.config import ConfigError
    from app.extensions import wait_for_database
    from scheduler import jobs
    from scheduler.registry import job_specs

    try:
        app = create_app()
    except ConfigError as e:
        print(f"kezek scheduler: configuration error: {e}", file=sys.stderr)
        return 2
    settings = app.config["SETTINGS"]
    with app.app_context():
        from app.extensions import db

        wait_for_database(db.engine, settings.DB_CONNECT_RETRY_SECONDS)
    jobs.bind(app)

    sched = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    for spec in job_specs(settings):
        sched.add_job(spec.func, spec.trigger, id=spec.id, replace_existing=True, **spec.kwargs)

    def stop(signum, _frame):
        log.info("stopping on signal", extra={"signal": signum})
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started", extra={"worker": jobs.WORKER_ID})
    jobs.heartbeat()
    sched.start()
    try:
        jobs.mark_stopped()
    except Exception:  # the database may be gone at shutdown; stopping matters more
        log.warning("could not record the stop")
    log.info("scheduler stopped", extra={"worker": jobs.WORKER_ID})
    return 0


if __name__ == "__main__":
    sys.exit(main())
