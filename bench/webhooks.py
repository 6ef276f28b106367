"""Webhook ingest under gunicorn on loopback, against a bare Flask endpoint.

    .venv/bin/python bench/webhooks.py [--database-url mysql+pymysql://root@127.0.0.1:3306/]
                                       [--rates 50,100,200,400] [--seconds 4]

Both apps run under the same gunicorn settings (deploy/gunicorn.conf.py: gthread, 2 workers x
4 threads). Signed comment and message events are posted at rising fixed rates (latency is
measured from each request's scheduled time, so queueing counts), then as fast as 8
keep-alive connections allow. Prints accepted events/s, p50/p99 latency per rate and the
ratio to the bare endpoint, and checks that every accepted event was stored.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-app-secret"
IG_ID = "17841400000000001"
BARE_APP = """
from flask import Flask, request
app = Flask(__name__)

@app.post("/webhooks/instagram")
def receive():
    request.get_data()
    return "ok"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def payload(n: int) -> bytes:
    now = int(time.time())
    if n % 2:
        value = {
            "id": f"179{n:014d}",
            "text": f"Сколько стоит? #{n}",
            "from": {"id": "6100000000000001", "username": "aigerim.k"},
            "media": {"id": "17900000000000001", "media_product_type": "FEED"},
        }
        entry = {"id": IG_ID, "time": now, "changes": [{"field": "comments", "value": value}]}
    else:
        entry = {
            "id": IG_ID,
            "time": now,
            "messaging": [
                {
                    "sender": {"id": "6100000000000002"},
                    "recipient": {"id": IG_ID},
                    "timestamp": now * 1000,
                    "message": {"mid": f"aWdf{n:012d}", "text": "Сәлем!"},
                }
            ],
        }
    return json.dumps({"object": "instagram", "entry": [entry]}).encode()


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


class Server:
    """gunicorn serving one WSGI app with the production settings, output discarded."""

    def __init__(self, target: str, env: dict, cwd: Path):
        self.port = free_port()
        env = {
            **os.environ,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"), target],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn for {target} did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def post(conn_box: list, port: int, body: bytes) -> int:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
    for _ in range(2):
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn_box[0].request("POST", "/webhooks/instagram", body, headers)
            resp = conn_box[0].getresponse()
            resp.read()
            return resp.status
        except (OSError, http.client.HTTPException):
            conn_box[0].close()
            conn_box[0] = None
    return 0


def run_rate(port: int, rate: float, seconds: float, counter, clients: int = 16) -> dict:
    """Open loop: each client sends its share at fixed times; latency from the schedule."""
    lat: list[float] = []
    ok = [0]
    sent = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    per_client = rate / clients
    total_each = int(per_client * seconds)

    def client(k: int):
        box = [None]
        for i in range(total_each):
            at = start + (i + k / clients) / per_client
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status = post(box, port, payload(next(counter)))
            done = time.perf_counter()
            with lock:
                sent[0] += 1
                ok[0] += status == 200
                lat.append(done - at)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(time.perf_counter() - start, 1e-9)
    return {"sent": sent[0], "ok": ok[0], "per_s": ok[0] / elapsed, **percentiles(lat)}


def run_max(port: int, seconds: float, counter, clients: int = 8) -> dict:
    """Closed loop: `clients` keep-alive connections back to back for `seconds`."""
    lat: list[float] = []
    ok = [0]
    sent = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client():
        box = [None]
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status = post(box, port, payload(next(counter)))
            with lock:
                sent[0] += 1
                ok[0] += status == 200
                lat.append(time.perf_counter() - t0)

    t_start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    return {"sent": sent[0], "ok": ok[0], "per_s": ok[0] / elapsed, **percentiles(lat)}


def percentiles(lat: list[float]) -> dict:
    if not lat:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def bench(port: int, rates: list[int], seconds: float, counter) -> tuple[list, dict]:
    rows = [(rate, run_rate(port, rate, seconds, counter)) for rate in rates]
    return rows, run_max(port, seconds + 1, counter)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="", help="server URL (MariaDB) or empty")
    parser.add_argument("--rates", default="50,100,200,400")
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]

    from sqlalchemy import create_engine, func, select, text

    from app.migrate import upgrade
    from app.models import WebhookEvent

    tmp = Path(tempfile.mkdtemp(prefix="kezek-bench-"))
    drop = None
    if args.database_url.startswith("mysql"):
        name = f"kezek_bench_{secrets.token_hex(3)}"
        server = create_engine(args.database_url)
        with server.begin() as c:
            c.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        url = args.database_url.rstrip("/") + f"/{name}?charset=utf8mb4"
        drop = (server, name)
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    (tmp / "bare_app.py").write_text(BARE_APP)
    env = {
        "DATABASE_URL": url,
        "KEZEK_ENV": "development",
        "INSTAGRAM_APP_ID": "bench",
        "INSTAGRAM_APP_SECRET": SECRET,
        "MEDIA_DIR": str(tmp / "media"),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    counter = iter(range(1, 10**9))
    try:
        app_srv = Server("app.wsgi:app", env, ROOT)
        try:
            app_rows, app_max = bench(app_srv.port, rates, args.seconds, counter)
        finally:
            app_srv.stop()
        bare_srv = Server("bare_app:app", {"PYTHONPATH": str(tmp)}, tmp)
        try:
            bare_rows, bare_max = bench(bare_srv.port, rates, args.seconds, counter)
        finally:
            bare_srv.stop()
        engine = create_engine(url)
        with engine.connect() as c:
            stored = c.execute(select(func.count(WebhookEvent.id))).scalar()
        engine.dispose()
    finally:
        if drop:
            with drop[0].begin() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS `{drop[1]}`"))

    backend = "MariaDB" if drop else "SQLite"
    print(f"Webhook ingest, gunicorn gthread 2x4 on loopback, {backend}, {os.cpu_count()} cores")
    print(
        f"{'rate/s':>7} | {'kezek ev/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'bare ev/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for (rate, a), (_, b) in zip(app_rows, bare_rows, strict=True):
        print(
            f"{rate:>7} | {a['per_s']:>10.0f} {a['p50_ms']:>7.1f} {a['p99_ms']:>7.1f} | "
            f"{b['per_s']:>9.0f} {b['p50_ms']:>7.1f} {b['p99_ms']:>7.1f}"
        )
    print(
        f"{'max':>7} | {app_max['per_s']:>10.0f} {app_max['p50_ms']:>7.1f} "
        f"{app_max['p99_ms']:>7.1f} | {bare_max['per_s']:>9.0f} {bare_max['p50_ms']:>7.1f} "
        f"{bare_max['p99_ms']:>7.1f}"
    )
    ratio = app_max["per_s"] / bare_max["per_s"] if bare_max["per_s"] else 0
    accepted = sum(a["ok"] for _, a in app_rows) + app_max["ok"]
    sent = sum(a["sent"] for _, a in app_rows) + app_max["sent"]
    p99_200 = next((a["p99_ms"] for r, a in app_rows if r == 200), None)
    print(f"ratio kezek/bare at max: {ratio:.0%} (target >= 60%)")
    if p99_200 is not None:
        print(f"p99 at 200 events/s: {p99_200:.1f} ms (target < 50 ms)")
    print(
        f"events sent {sent}, accepted {accepted}, stored {stored} "
        f"({'nothing lost' if stored == accepted == sent else 'MISMATCH'})"
    )
    return 0 if stored == accepted == sent else 1


if __name__ == "__main__":
    sys.exit(main())
