"""Publishing benchmark: N image posts over M sandbox accounts, all due at the same second.

    .venv/bin/python bench/publish.py [--posts 1000] [--accounts 100] [--latency 0.1]
        [--workers 1] [--threads PUBLISH_THREADS] [--database-url mysql+pymysql://root@...|sqlite]

A child process serves Kezek (for the public media URLs under /m/) and the Instagram sandbox
(seeded with extra accounts, every Graph call delayed by `--latency` seconds through the
sandbox's `latency` fault) with gunicorn (one process, many threads, keep-alive), as
production serves Kezek; the database is MariaDB by default, as in production. `--workers`
real worker processes (`python -m scheduler.publishing`) publish. Prints lateness
(published_at - due) p50/p95/p99/max, throughput, and Graph API calls per published post
(counted by the sandbox's latency faults, per HTTP method): the publishing calls (POST:
container + media_publish) and the permalink lookups (GET) that idle threads make after a
post is stored as published, so they never delay one.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KEY = "b1:" + base64.urlsafe_b64encode(b"b" * 32).decode()
APP_ID, APP_SECRET = "bench-app", "bench-app-secret"

SERVER = """
import sys, json
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from app import create_app
from app.instagram.sandbox import create_sandbox_app
from app.extensions import make_engine
cfg = json.loads(sys.argv[1])
# As many database connections as serving threads (the /m/ media URLs query the database).
engine = make_engine(cfg["app"]["DATABASE_URL"], pool_size=cfg["threads"], max_overflow=8)
app = create_app({**cfg["app"], "ENGINE": engine})
def warm(server, worker):
    # Steady state: the serving process's connections open before the burst.
    conns = [engine.connect() for _ in range(64)]
    for conn in conns:
        conn.close()
if "media" not in app.blueprints:
    from app.web import media as media_web
    app.register_blueprint(media_web.bp)
sandbox = create_sandbox_app(cfg["sandbox"])
wsgi = DispatcherMiddleware(app, {"/_sandbox": sandbox})
class Server(BaseApplication):
    def load_config(self):
        # One process (the sandbox state lives in memory), a thread per in-flight request
        # (a container creation holds one while the sandbox fetches the media from /m/),
        # keep-alive like Graph's and Kezek's production front ends.
        for key, value in {
            "bind": f"127.0.0.1:{cfg['port']}", "workers": 1, "worker_class": "gthread",
            "threads": cfg["threads"], "keepalive": 30, "timeout": 120, "graceful_timeout": 2,
            "loglevel": "warning", "accesslog": None, "control_socket_disable": True,
            "worker_connections": 4000,
            "when_ready": lambda server: print("ready", flush=True),
            "post_fork": warm,
        }.items():
            self.cfg.set(key, value)
    def load(self):
        return wsgi
Server().run()
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(base: str, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{base}/_sandbox/_admin/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def make_database(url: str) -> tuple[str, callable]:
    from app.migrate import upgrade

    if url == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        return url, lambda: None
    import pymysql
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = f"kezek_bench_{secrets.token_hex(3)}"
    conn = pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
    )
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    full = str(
        u.set(database=name)
        .update_query_dict({"charset": "utf8mb4"})
        .render_as_string(hide_password=False)
    )
    upgrade(full)

    def drop():
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")

    return full, drop


def cpu_seconds(pid: int, ticks: int) -> float:
    """CPU time of a process and its live children (gunicorn's worker), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return float("nan")
    own = (int(fields[11]) + int(fields[12])) / ticks
    return own + sum(cpu_seconds(int(c), ticks) for c in children)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def profile_in_process(engine, settings, posts: int) -> int:
    """Publish sequentially in this process under cProfile (diagnostics)."""
    import cProfile
    import pstats

    from sqlalchemy.orm import sessionmaker

    from app.models import utcnow
    from app.services.publisher import Publisher

    time.sleep(max(0.0, settings.extra.get("lead", 0)))
    pub = Publisher(sessionmaker(engine, expire_on_commit=False), settings, threads=1)
    prof = cProfile.Profile(time.process_time)
    start = time.monotonic()
    prof.enable()
    done = 0
    while done < posts:
        done += pub.run_once(now=utcnow() + timedelta(hours=1), limit=50)
    prof.disable()
    print(f"{posts} posts in {time.monotonic() - start:.2f} s sequentially")
    pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--accounts", type=int, default=100)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="PUBLISH_THREADS (0: its default)")
    ap.add_argument("--lead", type=float, default=8.0, help="seconds from set-up to the due time")
    ap.add_argument("--server-threads", type=int, default=256, help="sandbox server threads")
    ap.add_argument("--database-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process worker")
    args = ap.parse_args()
    # `timeout` or Ctrl-C: still stop the child processes (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    from PIL import Image
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.config import load_settings
    from app.extensions import make_engine
    from app.models import InstagramAccount, Membership, User, Workspace, utcnow
    from app.models.media import MediaItem
    from app.models.post import Post, PostMedia
    from app.services.instagram import store_token
    from app.services.media_store import new_key, path_for

    db_url, drop = make_database(args.database_url)
    media_dir = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = {
        "KEZEK_ENV": "testing",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + "s" * 40,
        "TOKEN_ENCRYPTION_KEYS": KEY,
        "PUBLIC_BASE_URL": base,
        "MEDIA_DIR": media_dir,
        "INSTAGRAM_APP_ID": APP_ID,
        "INSTAGRAM_APP_SECRET": APP_SECRET,
        "INSTAGRAM_GRAPH_URL": f"{base}/_sandbox",
        "INSTAGRAM_API_URL": f"{base}/_sandbox",
        "INSTAGRAM_AUTHORIZE_URL": f"{base}/_sandbox/oauth/authorize",
        "LOG_LEVEL": "WARNING",
    }
    cfg = {
        "port": port,
        "threads": args.server_threads,
        "app": common,
        "sandbox": {
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "quota_total": 100000,
            "extra_accounts": max(0, args.accounts - 3),
        },
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, json.dumps(cfg)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, **common},
    )
    workers: list[subprocess.Popen] = []
    try:
        assert server.stdout.readline().strip() == b"ready"
        settings = load_settings(environ=common)
        engine = make_engine(db_url)
        if not args.profile:
            # Started before the posts exist: the workers' start-up is not part of the lateness.
            wenv = {**os.environ, **common}
            if args.threads:
                wenv["PUBLISH_THREADS"] = str(args.threads)
            workers = [
                subprocess.Popen([sys.executable, "-m", "scheduler.publishing"], cwd=ROOT, env=wenv)
                for _ in range(args.workers)
            ]
        ids = [a["ig_user_id"] for a in admin(base, "GET", "state")["accounts"]][: args.accounts]
        with Session(engine) as s:
            user = User(username="bench", password_hash="x")
            ws = Workspace(name="bench")
            s.add_all([user, ws, Membership(user=user, workspace=ws, role="owner")])
            s.flush()
            buf = io.BytesIO()
            Image.new("RGB", (1080, 1080), (30, 90, 160)).save(buf, "JPEG", quality=80)
            key = new_key("jpg")
            path_for(settings, key).parent.mkdir(parents=True, exist_ok=True)
            path_for(settings, key).write_bytes(buf.getvalue())
            item = MediaItem(
                workspace_id=ws.id,
                kind="image",
                state="ready",
                content_type="image/jpeg",
                size_bytes=len(buf.getvalue()),
                width=1080,
                height=1080,
                storage_key=key,
                public_token=secrets.token_urlsafe(24),
                progress=100,
            )
            s.add(item)
            accounts = []
            for ig_id in ids:
                minted = admin(base, "POST", "tokens", {"ig_user_id": ig_id})
                acct = InstagramAccount(workspace_id=ws.id, ig_user_id=ig_id, username=ig_id)
                s.add(acct)
                s.flush()
                store_token(settings, acct, minted["access_token"], minted["expires_in"])
                accounts.append(acct)
            due = (utcnow() + timedelta(seconds=args.lead)).replace(microsecond=0)
            for n in range(args.posts):
                post = Post(
                    workspace_id=ws.id,
                    account_id=accounts[n % len(accounts)].id,
                    composition_id=secrets.token_hex(8),
                    type="image",
                    status="scheduled",
                    caption=f"Bench post {n} #kezek",
                    scheduled_at=due,
                    next_attempt_at=due,
                    deadline_at=due + timedelta(hours=6),
                    attempts=0,
                    created_by_id=user.id,
                )
                post.media.append(PostMedia(media_id=item.id, position=0))
                s.add(post)
            s.commit()
        # The same latency on every Graph call; one fault per method counts them apart
        # (an image post's publishing is two POSTs; the permalink lookup after it a GET).
        admin(
            base,
            "POST",
            "faults",
            [
                {"kind": "latency", "endpoint": "*", "method": method, "count": None}
                | {"seconds": args.latency}
                for method in ("POST", "GET", "DELETE")
            ],
        )
        if args.profile:
            return profile_in_process(engine, settings, args.posts)
        deadline = time.monotonic() + args.lead + 600
        with Session(engine) as s:
            while time.monotonic() < deadline:
                done = s.scalar(select(func.count(Post.id)).where(Post.status == "done"))
                failed = s.scalar(select(func.count(Post.id)).where(Post.status == "failed"))
                s.rollback()
                if done + failed >= args.posts:
                    break
                time.sleep(0.5)
            rows = s.execute(select(Post.published_at, Post.status)).all()
            at_publish = {f["method"]: f["hits"] for f in admin(base, "GET", "state")["faults"]}
            waited = time.monotonic()
            # Permalinks are looked up after publishing, by idle threads: wait for them too.
            while time.monotonic() < waited + 120:
                links = s.scalar(select(func.count(Post.id)).where(Post.permalink.is_not(None)))
                s.rollback()
                if links >= done:
                    break
                time.sleep(0.5)
            waited = time.monotonic() - waited
        state = admin(base, "GET", "state")
        by_method = {f["method"]: f["hits"] for f in state["faults"]}
        hits = sum(by_method.values())
        calls = state["publish_calls"]
        published = [r.published_at for r in rows if r.published_at is not None]
        late = [(p - due).total_seconds() for p in published]
        span = max(late) if late else float("nan")
        print(
            f"posts {args.posts} over {len(accounts)} accounts, "
            f"latency {args.latency * 1000:.0f} ms, {args.workers} worker(s) x "
            f"{args.threads or settings.PUBLISH_THREADS} threads, db {engine.dialect.name}"
        )
        print(f"published {len(published)}, failed {sum(r.status == 'failed' for r in rows)}")
        print(
            f"lateness s: min {min(late):.2f}  p50 {pct(late, 50):.2f}  p95 {pct(late, 95):.2f}"
            f"  p99 {pct(late, 99):.2f}  max {max(late):.2f}"
        )
        print(f"throughput: {len(published) / span:.1f} posts/s (due -> last published)")
        n = max(1, len(published))
        print(
            f"Graph API calls per published post: {hits / n:.3f} ({hits} calls; "
            f"media_publish per container max {max(calls.values()) if calls else 0})"
        )
        print(
            f"  publishing (POST: container + media_publish): {by_method['POST'] / n:.3f};"
            f" GET: {at_publish['GET'] / n:.3f} until the last publish, "
            f"{by_method['GET'] / n:.3f} with the permalink lookups"
        )
        print(f"  permalinks stored: {links} of {len(published)}, {waited:.1f} s after the last")
        print(f"mean lateness {statistics.fmean(late):.2f} s")
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = [cpu_seconds(p.pid, ticks) for p in [server, *workers]]
        print(
            f"CPU seconds: sandbox+media server {cpu[0]:.1f}, workers "
            + ", ".join(f"{c:.1f}" for c in cpu[1:])
        )
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(20)
            except subprocess.TimeoutExpired:
                w.kill()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
