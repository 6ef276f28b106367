"""Outgoing webhooks on MariaDB: what emit() adds to the code that emits (per event, with 0,
1 and 5 subscribed endpoints), and how many deliveries one worker run sends per second to a
loopback receiver answering at once and after 200 ms.

    .venv/bin/python bench/outgoing_webhooks.py [--url mysql+pymysql://root@127.0.0.1/]
                                                [--events 500] [--deliveries 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from sqlalchemy import create_engine, delete, func, select  # noqa: E402

DB = "kezek_bench_outgoing"


class Server(ThreadingHTTPServer):
    # A backlog above the 16 parallel sends (the default 5 drops SYNs: 1 s retransmits).
    request_queue_size = 64


def receiver(delay: float):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="mysql+pymysql://root@127.0.0.1/")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--deliveries", type=int, default=400)
    args = parser.parse_args()
    server = create_engine(args.url)
    with server.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB}")
        conn.exec_driver_sql(f"CREATE DATABASE {DB} CHARACTER SET utf8mb4")
    url = args.url.rstrip("/") + f"/{DB}?charset=utf8mb4"
    from app import create_app
    from app.extensions import db
    from app.models import Base, WebhookDelivery, Workspace
    from app.services.outgoing_webhooks import emit
    from app.services.outgoing_webhooks.endpoints import create_endpoint
    from scheduler.webhook_jobs import deliver_webhooks_once

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    app = create_app({"KEZEK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "b" * 40})
    settings = app.config["SETTINGS"]
    fast, slow = receiver(0), receiver(0.2)
    try:
        with app.app_context():
            s = db.session
            ws = Workspace(name="bench", timezone="UTC")
            s.add(ws)
            s.commit()
            print(f"emit(), {args.events} events, each in its own commit:")
            made = 0
            for n in (0, 1, 5):
                while made < n:
                    create_endpoint(
                        s,
                        settings,
                        ws.id,
                        url=f"http://127.0.0.1:{fast.server_port}/{made}",
                        events=["comment.received"],
                    )
                    made += 1
                s.commit()
                times = []
                for i in range(args.events):
                    t = time.perf_counter()
                    emit(s, ws.id, "comment.received", {"comment_id": str(i), "text": "цена?"})
                    s.commit()
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                p95 = times[int(len(times) * 0.95)]
                print(
                    f"  {n} endpoints: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"
                    " (emit + commit)"
                )
            for label, srv in (("answering at once", fast), ("answering after 200 ms", slow)):
                s.execute(delete(WebhookDelivery))
                s.commit()
                for i in range(args.deliveries):
                    emit(s, ws.id, "comment.received", {"comment_id": str(i)})
                s.commit()
                # Point every queued delivery's endpoint at this receiver.
                from app.models import WebhookEndpoint

                for ep in s.scalars(select(WebhookEndpoint)):
                    ep.url = f"http://127.0.0.1:{srv.server_port}/{ep.id}"
                s.commit()
                total = s.scalar(select(func.count(WebhookDelivery.id)))
                t = time.perf_counter()
                sent = 0
                while sent < total:
                    sent += deliver_webhooks_once(s, settings)["delivered"]
                took = time.perf_counter() - t
                print(
                    f"deliveries, receiver {label}: {total} in {took:.1f} s = "
                    f"{total / took:.0f}/s (runs of 50, 16 threads)"
                )
    finally:
        fast.shutdown()
        slow.shutdown()
        engine.dispose()
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
