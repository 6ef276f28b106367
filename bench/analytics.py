"""Analytics pages under load: 50 accounts x 729 days of snapshots and insights and 5,000
posts with insights in MariaDB; prints the server time of the overview and post
performance pages and of the API's follower series and overview (p50/p95, target p95 <
150 ms).

    .venv/bin/python bench/analytics.py [--requests 30] [--url mysql+pymysql://root@127.0.0.1/]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ACCOUNTS = 50
DAYS = 729
POSTS = 5000


def _server(url: str):
    import pymysql

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )


def seed(engine) -> int:
    """Fill the database; return the user's workspace id."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app.models import (
        AccountInsightDay,
        FollowerSnapshot,
        InstagramAccount,
        MediaInsight,
    )
    from app.services.analytics import local_day
    from app.services.analytics_rollup import rebuild
    from app.services.users import create_user

    rng = random.Random(7)
    with Session(engine) as s:
        user = create_user(s, "bench", "bench password 1")
        ws = user.memberships[0].workspace_id
        s.commit()
        today = local_day("Asia/Almaty")
        now = datetime.now(UTC)
        for n in range(ACCOUNTS):
            acc = InstagramAccount(
                workspace_id=ws,
                ig_user_id=f"1784149{n:010d}",
                username=f"account{n}",
                followers_count=1000 + n,
            )
            s.add(acc)
            s.flush()
            base = rng.randint(500, 50_000)
            snaps, days = [], []
            for back in range(DAYS):
                day = today - timedelta(days=back)
                missing = rng.random() < 0.01
                snaps.append(
                    {
                        "workspace_id": ws,
                        "account_id": acc.id,
                        "day": day,
                        "status": "missing" if missing else "taken",
                        "followers_count": None if missing else base + (DAYS - back) * 3,
                        "follows_count": None if missing else 300,
                        "media_count": 100,
                        "taken_at": now,
                    }
                )
                days.append(
                    {
                        "workspace_id": ws,
                        "account_id": acc.id,
                        "day": day,
                        "reach": rng.randint(100, 9000),
                        "views": rng.randint(100, 20000),
                        "total_interactions": rng.randint(0, 500),
                        "fetched_at": now,
                    }
                )
            s.execute(insert(FollowerSnapshot), snaps)
            s.execute(insert(AccountInsightDay), days)
            posts = []
            for p in range(POSTS // ACCOUNTS):
                reach = rng.randint(50, 8000)
                inter = rng.randint(0, reach // 5)
                posts.append(
                    {
                        "workspace_id": ws,
                        "account_id": acc.id,
                        "ig_media_id": f"{acc.id}-{p}",
                        "media_type": "IMAGE",
                        "media_product_type": rng.choice(["FEED", "REELS"]),
                        "caption": "Жаңа пост #kezek " * 3,
                        "permalink": "https://instagram.com/p/x",
                        "posted_at": now - timedelta(hours=rng.randint(1, 24 * 90)),
                        "reach": reach,
                        "views": reach * 2,
                        "likes": inter // 2,
                        "comments": 3,
                        "saved": 1,
                        "shares": 1,
                        "total_interactions": inter,
                        "engagement_rate": round(inter / reach, 6),
                        "fetch_count": 1,
                    }
                )
            s.execute(insert(MediaInsight), posts)
            s.commit()
        # The snapshots were inserted directly: fill the workspace roll-up from them, as the
        # migration's backfill does on an existing database.
        rebuild(s, ws)
        s.commit()
        return ws


def api_token(engine) -> str:
    """A read-only API token of the bench user."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import User
    from app.services.api_tokens import create_token

    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "bench"))
        _token, raw = create_token(s, user, "bench", read_only=True)
        s.commit()
        return raw


def first_account(engine, workspace_id: int) -> int:
    """The id of the workspace's first account."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.models import InstagramAccount

    with Session(engine) as s:
        return s.scalar(
            select(func.min(InstagramAccount.id)).where(
                InstagramAccount.workspace_id == workspace_id
            )
        )


def measure(client, path: str, n: int, headers=None) -> tuple[float, float]:
    """p50 and p95 server time (ms) of GET path, after one warm-up request."""
    assert client.get(path, headers=headers).status_code == 200, path
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * n)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--url", default=os.environ.get("TEST_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/")
    )
    args = parser.parse_args()

    from app import create_app
    from app.extensions import make_engine
    from app.migrate import upgrade

    name = f"kezek_bench_{secrets.token_hex(3)}"
    conn = _server(args.url)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = f"{args.url.rstrip('/')}/{name}?charset=utf8mb4"
    try:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        ws = seed(engine)
        print(
            f"seeded {ACCOUNTS} accounts x {DAYS} days, {POSTS} posts "
            f"in {time.perf_counter() - started:.1f} s"
        )
        app = create_app(
            {
                "KEZEK_ENV": "testing",
                "DATABASE_URL": url,
                "ENGINE": engine,
                "SECRET_KEY": "bench-" + "s" * 40,
                "WTF_CSRF_ENABLED": False,
                "DEFAULT_LOCALE": "en",
                "LOG_LEVEL": "WARNING",
                "API_RATE_LIMIT_PER_MINUTE": 1_000_000,
            }
        )
        client = app.test_client()
        resp = client.post("/login", data={"username": "bench", "password": "bench password 1"})
        assert resp.status_code == 302, resp.status_code
        from app.services.analytics import local_day

        today = local_day("Asia/Almaty")
        token = api_token(engine)
        account = first_account(engine, ws)
        api = {"Authorization": f"Bearer {token}"}
        pages = [
            ("overview, workspace, 30 days", "/analytics/"),
            ("overview, workspace, 729 days", "/analytics/?days=729"),
            ("overview, one account, 729 days", f"/analytics/?account={account}&days=729"),
            (
                "post performance, workspace, by engagement",
                "/analytics/posts?sort=engagement_rate&dir=desc",
            ),
            ("post performance, one account, by date", f"/analytics/posts?account={account}"),
            (
                "API follower series, one account, 729 days",
                f"/api/v1/accounts/{account}/followers"
                f"?from={(today - timedelta(days=728)).isoformat()}&to={today.isoformat()}",
            ),
            ("API analytics overview (50 accounts + total)", "/api/v1/analytics/overview"),
        ]
        print(f"{'page':48} {'p50 ms':>8} {'p95 ms':>8}")
        worst = 0.0
        for label, path in pages:
            headers = api if path.startswith("/api/") else None
            p50, p95 = measure(client, path, args.requests, headers)
            worst = max(worst, p95)
            print(f"{label:48} {p50:8.1f} {p95:8.1f}")
        print(f"worst p95: {worst:.1f} ms (target < 150 ms): {'OK' if worst < 150 else 'OVER'}")
        engine.dispose()
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
