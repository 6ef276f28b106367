"""Webhook ingest under gunicorn on loopback, against a bare Flask endpoint.

    .venv/bin/python bench/webhooks.py [--database-url mysql+pymysql://root@127.0.0.1:3306/]
                                       [--rates 50,100,200,400] [--seconds 4] [--rounds 3]

Both apps run at the same time under the same gunicorn settings and environment
(deploy/gunicorn.conf.py: gthread, 2 workers x 4 threads). Signed comment and message events
are posted at rising fixed rates, each rate to one app and then the other (latency is measured
from each request's scheduled time, so queueing counts), then as fast as 8 keep-alive
connections allow, in alternating rounds (A B, B A, A B) so load from elsewhere on the
machine does not favour either side. Prints accepted events/s and p50/p99 latency per rate
and per round, the ratio of the median closed-loop rates, and checks that every event sent
to Kezek was accepted and stored.
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


def warm_up(port: int, counter) -> dict:
    """A second of load first: each worker's lazy imports and database connections."""
    return run_max(port, 1.0, counter)


def measure(ports: dict, rates: list[int], seconds: float, rounds: int, counter):
    """Both servers under the same conditions: each rate is run on one, then on the other,
    and the closed-loop runs alternate (A B, B A, ...) so a change in the machine's load
    does not favour either; the medians of the rounds are compared."""
    warm = {name: warm_up(port, counter) for name, port in ports.items()}
    rows: dict[str, list] = {name: [] for name in ports}
    for rate in rates:
        for name, port in ports.items():
            rows[name].append((rate, run_rate(port, rate, seconds, counter)))
    maxes: dict[str, list] = {name: [] for name in ports}
    for r in range(rounds):
        order = list(ports.items())
        for name, port in order if r % 2 == 0 else reversed(order):
            maxes[name].append(run_max(port, seconds + 1, counter))
    return warm, rows, maxes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="", help="server URL (MariaDB) or empty")
    parser.add_argument("--rates", default="50,100,200,400")
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="closed-loop runs per server")
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
    # The same environment (and so the same gunicorn settings and log level) for both.
    env = {
        "DATABASE_URL": url,
        "KEZEK_ENV": "development",
        "INSTAGRAM_APP_ID": "bench",
        "INSTAGRAM_APP_SECRET": SECRET,
        "MEDIA_DIR": str(tmp / "media"),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp}",
        "LOG_LEVEL": "INFO",
    }
    counter = iter(range(1, 10**9))
    servers: list[Server] = []
    try:
        servers.append(Server("app.wsgi:app", env, ROOT))
        servers.append(Server("bare_app:app", env, tmp))
        ports = {"kezek": servers[0].port, "bare": servers[1].port}
        warm, rows, maxes = measure(ports, rates, args.seconds, args.rounds, counter)
        for srv in servers:
            srv.stop()
        engine = create_engine(url)
        with engine.connect() as c:
            stored = c.execute(select(func.count(WebhookEvent.id))).scalar()
        engine.dispose()
    finally:
        for srv in servers:
            if srv.proc.poll() is None:
                srv.stop()
        if drop:
            with drop[0].begin() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS `{drop[1]}`"))

    backend = "MariaDB" if drop else "SQLite"
    print(f"Webhook ingest, gunicorn gthread 2x4 on loopback, {backend}, {os.cpu_count()} cores")
    print(
        f"{'rate/s':>7} | {'kezek ev/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'bare ev/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for (rate, a), (_, b) in zip(rows["kezek"], rows["bare"], strict=True):
        print(
            f"{rate:>7} | {a['per_s']:>10.0f} {a['p50_ms']:>7.1f} {a['p99_ms']:>7.1f} | "
            f"{b['per_s']:>9.0f} {b['p50_ms']:>7.1f} {b['p99_ms']:>7.1f}"
        )
    for i, (a, b) in enumerate(zip(maxes["kezek"], maxes["bare"], strict=True), 1):
        print(
            f"{'max #' + str(i):>7} | {a['per_s']:>10.0f} {a['p50_ms']:>7.1f} "
            f"{a['p99_ms']:>7.1f} | {b['per_s']:>9.0f} {b['p50_ms']:>7.1f} {b['p99_ms']:>7.1f}"
            f"   ratio {a['per_s'] / max(b['per_s'], 1e-9):.0%}"
        )
    med_a = statistics.median(m["per_s"] for m in maxes["kezek"])
    med_b = statistics.median(m["per_s"] for m in maxes["bare"])
    ratio = med_a / med_b if med_b else 0
    kezek_runs = [warm["kezek"], *(a for _, a in rows["kezek"]), *maxes["kezek"]]
    accepted = sum(a["ok"] for a in kezek_runs)
    sent = sum(a["sent"] for a in kezek_runs)
    p99_200 = next((a["p99_ms"] for r, a in rows["kezek"] if r == 200), None)
    print(
        f"ratio kezek/bare at max (medians of {args.rounds} rounds, "
        f"{med_a:.0f} / {med_b:.0f} ev/s): {ratio:.0%} (target >= 60%)"
    )
    if p99_200 is not None:
        print(f"p99 at 200 events/s: {p99_200:.1f} ms (target < 50 ms)")
    print(
        f"events sent {sent}, accepted {accepted}, stored {stored} "
        f"({'nothing lost' if stored == accepted == sent else 'MISMATCH'})"
    )
    return 0 if stored == accepted == sent else 1


if __name__ == "__main__":
    sys.exit(main())
