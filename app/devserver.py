"""`make run`: migrate, create the demo admin once, then serve the app, sandbox and worker."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys

from sqlalchemy import func, select


def prepare(app) -> str | None:
    """Migrate the database and create the demo admin on first run; return its password."""
    from app.extensions import db, wait_for_database
    from app.migrate import upgrade
    from app.models import User
    from app.services.users import create_user

    settings = app.config["SETTINGS"]
    with app.app_context():
        wait_for_database(db.engine, settings.DB_CONNECT_RETRY_SECONDS)
        upgrade(settings.DATABASE_URL)
        if db.session.scalar(select(func.count(User.id))):
            return None
        password = secrets.token_urlsafe(12)
        create_user(
            db.session,
            "admin",
            password,
            is_admin=True,
            display_name="Admin",
            workspace_name="Demo",
        )
        db.session.commit()
        return password


def wsgi_with_sandbox(app):
    """Mount the Instagram sandbox under /_sandbox when no Meta app is configured."""
    settings = app.config["SETTINGS"]
    if not settings.SANDBOX:
        return app
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from app.instagram.sandbox import create_sandbox_app

    sandbox = create_sandbox_app(
        {
            "app_id": settings.INSTAGRAM_APP_ID,
            "app_secret": settings.INSTAGRAM_APP_SECRET,
            "webhook_url": f"{settings.PUBLIC_BASE_URL}/webhooks/instagram",
            "webhook_secret": settings.INSTAGRAM_APP_SECRET,
        }
    )
    return DispatcherMiddleware(app, {"/_sandbox": sandbox})


def main(argv: list[str] | None = None) -> int:
    """Serve on 127.0.0.1:PORT with the scheduler beside it until Ctrl-C."""
    from werkzeug.serving import run_simple

    from app import create_app
    from app.config import ConfigError

    parser = argparse.ArgumentParser(prog="kezek-dev")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    try:
        app = create_app()
    except ConfigError as e:
        print(f"kezek: configuration error: {e}", file=sys.stderr)
        return 2
    password = prepare(app)
    if password:
        print("\n  Demo admin created (shown only this once):")
        print(f"    username: admin\n    password: {password}\n", flush=True)
    worker = subprocess.Popen([sys.executable, "-m", "scheduler"])

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"  Kezek is running at http://{args.host}:{args.port}  (Ctrl-C stops)\n", flush=True)
    try:
        run_simple(args.host, args.port, wsgi_with_sandbox(app), threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
