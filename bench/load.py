"""Mixed load on the production processes: gunicorn + the scheduler on MariaDB.

    .venv/bin/python bench/load.py [--duration 180] [--database-url mysql+pymysql://root@127.0.0.1:3306/]
        [--pages 4] [--api 8] [--webhooks 20] [--posts-per-minute 30]

Starts, each as its own process: gunicorn (`deploy/gunicorn.conf.py`, 2 workers x 4 threads),
the scheduler (`python -m scheduler`, every job), and a stub process serving the Instagram
sandbox and the public media URLs. This process is the load generator: for `--duration`
seconds it sends, open loop at fixed rates (per second), signed-in dashboard pages, API reads
with a bearer token, and signed webhook deliveries (DMs and comments), while scheduled image
posts fall due at `--posts-per-minute`. Prints per kind: requests, throughput, p50/p99
latency (from each request's scheduled time, so queueing counts) and errors; the posts'
lateness (published_at - due); the RSS of every process (max over the run). A throwaway
database is created on the server and dropped afterwards. Exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.faults import processes  # noqa: E402

KEY = "l1:" + base64.urlsafe_b64encode(b"l" * 32).decode()
APP_ID, APP_SECRET = "load-app", "load-app-secret"
ACCOUNTS = ("17841400000000001", "17841400000000002", "17841400000000003")
PASSWORD = "load-bench-password"
PAGES = ("/", "/publishing/", "/inbox/", "/media/", "/accounts/", "/publishing/calendar")
API = ("/api/v1/accounts", "/api/v1/posts", "/api/v1/threads", "/api/v1/media")

STUB = """
import sys
from tests.faults.processes import StubServer
server = StubServer(sys.argv[2], sys.argv[3], port=int(sys.argv[1]))
print("ready", flush=True)
server.server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        out = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in out]


def child_env(db_url: str, stub: str, **extra) -> dict:
    return processes.child_env(
        db_url,
        stub,
        secret_key="load-" + "s" * 40,
        encryption_keys=KEY,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        # The per-token API limit (120/min) is not what this measures.
        API_RATE_LIMIT_PER_MINUTE="1000000",
        AUTOMATION_DELAY_SECONDS="0",
        **extra,
    )


def make_database(server_url: str) -> tuple[str, callable]:
    import pymysql
    from sqlalchemy.engine import make_url

    from app.migrate import upgrade

    u = make_url(server_url)
    conn = pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
    )
    name = f"kezek_load_{os.getpid()}_{secrets.token_hex(3)}"
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = str(u.set(database=name, query={"charset": "utf8mb4"}).render_as_string(False))
    upgrade(url)

    def drop():
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()

    return url, drop


def seed(url: str, stub: str, duration: float, per_minute: float, lead: float):
    """An owner with an API token, three sandbox accounts, a media item, the posts."""
    from app.models import utcnow

    seeded = processes.seed_owner_with_posts(
        url,
        stub,
        {
            "KEZEK_ENV": "testing",
            "SECRET_KEY": "load-" + "s" * 40,
            "TOKEN_ENCRYPTION_KEYS": KEY,
            "MEDIA_DIR": tempfile.mkdtemp(prefix="kezek-load-seed-"),
        },
        username="load-owner",
        password=PASSWORD,
        accounts=ACCOUNTS,
        posts=int(duration * per_minute / 60),
        start=utcnow() + timedelta(seconds=lead),
        every=60 / per_minute,
        api_token=True,
    )
    return seeded.api_token, seeded.post_ids


class Kind:
    def __init__(self, name: str):
        self.name = name
        self.lat: list[float] = []
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def record(self, ms: float, error: str | None):
        with self.lock:
            self.lat.append(ms)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


def signed_delivery(n: int) -> bytes:
    customer = f"61000000000{n % 50:05d}"
    return processes.webhook_delivery(n, ACCOUNTS[n % 3], customer, "load")[1]


def drive(base: str, api_token: str, args) -> dict[str, Kind]:
    """Open-loop load for args.duration seconds; returns the measurements."""
    kinds = {k: Kind(k) for k in ("page", "api", "webhook")}
    local = threading.local()

    # One sign-in (bcrypt is deliberately slow), its cookie shared by every client thread.
    login = processes.sign_in(base, "load-owner", PASSWORD)

    def session() -> requests.Session:
        http = getattr(local, "http", None)
        if http is None:
            http = requests.Session()
            http.cookies.update(login.cookies)
            local.http = http
        return http

    def one(kind: str, n: int, due: float):
        http = session()
        try:
            if kind == "page":
                resp = http.get(base + PAGES[n % len(PAGES)], timeout=30)
            elif kind == "api":
                resp = http.get(
                    base + API[n % len(API)],
                    timeout=30,
                    headers={"Authorization": f"Bearer {api_token}"},
                )
            else:
                body = signed_delivery(n)
                sig = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
                resp = http.post(
                    f"{base}/webhooks/instagram",
                    data=body,
                    timeout=30,
                    headers={"X-Hub-Signature-256": sig},
                )
            error = None if resp.status_code < 400 else str(resp.status_code)
        except requests.RequestException as exc:
            error = type(exc).__name__
        kinds[kind].record((time.monotonic() - due) * 1000, error)

    rates = {"page": args.pages, "api": args.api, "webhook": args.webhooks}
    pool = ThreadPoolExecutor(args.clients)
    start = time.monotonic()
    counters = {k: 0 for k in rates}
    while True:
        now = time.monotonic() - start
        if now >= args.duration:
            break
        soonest = None
        for kind, rate in rates.items():
            if rate <= 0:
                continue
            due = counters[kind] / rate
            if due <= now:
                pool.submit(one, kind, counters[kind], start + due)
                counters[kind] += 1
            soonest = due if soonest is None else min(soonest, due)
        if soonest is not None and soonest > now:
            time.sleep(min(0.01, soonest - now))
    pool.shutdown(wait=True)
    return kinds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=180, help="seconds of load (default 180)")
    ap.add_argument("--database-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    ap.add_argument("--pages", type=float, default=4, help="dashboard pages per second")
    ap.add_argument("--api", type=float, default=8, help="API reads per second")
    ap.add_argument("--webhooks", type=float, default=20, help="webhook deliveries per second")
    ap.add_argument("--posts-per-minute", type=float, default=30, help="posts falling due")
    ap.add_argument("--clients", type=int, default=32, help="load generator threads")
    args = ap.parse_args()

    procs: list[subprocess.Popen] = []
    logs = Path(tempfile.mkdtemp(prefix="kezek-load-logs-"))
    url, drop = make_database(args.database_url)
    try:
        stub_port = free_port()
        stub = subprocess.Popen(
            [sys.executable, "-c", STUB, str(stub_port), APP_ID, APP_SECRET],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(stub)
        assert stub.stdout.readline().strip() == "ready"
        stub_url = f"http://127.0.0.1:{stub_port}"
        lead = 20.0
        api_token, post_ids = seed(url, stub_url, args.duration, args.posts_per_minute, lead)
        seeded = time.monotonic()

        port = free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app.wsgi:app"],
            cwd=ROOT,
            env=child_env(url, stub_url, GUNICORN_BIND=f"127.0.0.1:{port}"),
            stdout=(logs / "gunicorn.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        procs.append(gunicorn)
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "scheduler"],
            cwd=ROOT,
            env=child_env(url, stub_url),
            stdout=(logs / "scheduler.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        procs.append(scheduler)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if processes.ready(base):
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not start; see {logs}")
        time.sleep(max(0.0, lead - (time.monotonic() - seeded) - 1))

        peak: dict[str, int] = {}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                named = {
                    "gunicorn master": gunicorn.pid,
                    "scheduler": scheduler.pid,
                    "sandbox stub": stub.pid,
                    "load generator": os.getpid(),
                }
                for i, pid in enumerate(sorted(children(gunicorn.pid))):
                    named[f"gunicorn worker {i + 1}"] = pid
                for name, pid in named.items():
                    peak[name] = max(peak.get(name, 0), rss_kib(pid))
                stop.wait(2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load_avg = os.getloadavg()[0]
        began = time.monotonic()
        kinds = drive(base, api_token, args)
        elapsed = time.monotonic() - began

        # The posts: all due by now (+ a grace for the last ones), each published once.
        from sqlalchemy import func, select

        from app.extensions import make_engine
        from app.models.inbox import InboxComment, InboxMessage, WebhookEvent
        from app.models.post import Post

        engine = make_engine(url)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                open_posts = conn.scalar(
                    select(func.count(Post.id)).where(Post.status.not_in(("done", "failed")))
                )
                pending = conn.scalar(
                    select(func.count(WebhookEvent.id)).where(WebhookEvent.status == "pending")
                )
            if not open_posts and not pending:
                break
            time.sleep(1)
        stop.set()
        with engine.connect() as conn:
            rows = conn.execute(
                select(Post.status, Post.scheduled_at, Post.published_at, Post.error_key)
            ).all()
            messages = conn.scalar(
                select(func.count(InboxMessage.id)).where(InboxMessage.mid.like("mid.load.%"))
            )
            comments = conn.scalar(
                select(func.count(InboxComment.id)).where(InboxComment.text.like("load comment %"))
            )
            batches = conn.execute(
                select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)
            ).all()
        engine.dispose()
        state = requests.get(f"{stub_url}/_sandbox/_admin/state", timeout=10).json()

        print(
            f"\nMixed load for {elapsed:.0f} s (load average at start {load_avg:.1f}, "
            f"{os.cpu_count()} cores), gunicorn 2 workers x 4 threads + scheduler on MariaDB"
        )
        print(f"{'kind':<10}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        total_errors = 0
        for k in kinds.values():
            errs = sum(k.errors.values())
            total_errors += errs
            print(
                f"{k.name:<10}{len(k.lat):>9}{len(k.lat) / elapsed:>8.1f}"
                f"{pct(k.lat, 0.5):>9.1f}{pct(k.lat, 0.99):>9.1f}{errs:>8}"
                + (f"  {k.errors}" if errs else "")
            )
        published = [r for r in rows if r.status == "done"]
        failed = [(r.status, r.error_key) for r in rows if r.status != "done"]
        late = [(r.published_at - r.scheduled_at).total_seconds() for r in published]
        calls = state["publish_calls"]
        print(
            f"posts     {len(rows):>9} due, {len(published)} published "
            f"(lateness p50 {statistics.median(late) if late else float('nan'):.2f} s, "
            f"p99 {pct(late, 0.99):.2f} s), not published: {len(failed)} {failed[:5]}"
        )
        print(
            f"          media_publish calls {sum(calls.values())}, "
            f"max per container {max(calls.values(), default=0)}"
        )
        webhooks = len(kinds["webhook"].lat) - sum(kinds["webhook"].errors.values())
        print(
            f"webhooks  {webhooks} accepted -> {messages} DMs + {comments} comments stored; "
            f"batches {dict(batches)}"
        )
        print("RSS (max over the run):")
        for name, kib in sorted(peak.items()):
            print(f"  {name:<20}{kib / 1024:>8.1f} MiB")
        total_errors += len(failed) + (messages + comments != webhooks)
        total_errors += sum(1 for n in calls.values() if n > 1)
        print(f"errors: {total_errors}")
        return 1 if total_errors else 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
        drop()


if __name__ == "__main__":
    sys.exit(main())
