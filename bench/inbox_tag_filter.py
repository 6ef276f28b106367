"""The inbox's contact-tag filter on MariaDB: 20,000 threads in two workspaces, 5,000 contacts,
a common tag (500 contacts) and a rare one (3 contacts, on old threads); prints the query plan
and the time of the first page (26 rows) with and without ix_inbox_thread_account_customer.

    .venv/bin/python bench/inbox_tag_filter.py [--url mysql+pymysql://root@127.0.0.1/]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.dialects import mysql  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.models import (  # noqa: E402
    Base,
    Contact,
    InboxThread,
    InstagramAccount,
    Tag,
    Workspace,
    utcnow,
)
from app.services import inbox_queries  # noqa: E402
from app.services.workspaces import scoped  # noqa: E402

DB = "kezek_bench_tag_filter"
THREADS = 20_000


def fill(engine) -> dict[str, int]:
    """Two workspaces' threads; every fourth person is a contact, tagged in workspace 1."""
    with Session(engine) as s:
        s.add_all([Workspace(id=1, name="w1"), Workspace(id=2, name="w2")])
        s.flush()
        accounts = [
            InstagramAccount(workspace_id=w, ig_user_id=f"1784{w}", username=f"a{w}")
            for w in (1, 2)
        ]
        s.add_all(accounts)
        tags = [Tag(workspace_id=1, name=f"t{i}") for i in range(10)]
        s.add_all(tags)
        s.flush()
        now = utcnow()
        for i in range(THREADS):
            a = accounts[i % 2]
            s.add(
                InboxThread(
                    workspace_id=a.workspace_id,
                    account_id=a.id,
                    kind="dm",
                    thread_key=f"c{i}",
                    customer_id=f"c{i}",
                    last_activity_at=now - timedelta(minutes=i),
                )
            )
            if i % 4 == 0:
                contact = Contact(workspace_id=a.workspace_id, account_id=a.id, igsid=f"c{i}")
                contact.tags = [tags[i % 10]] + ([tags[9]] if i in (18000, 19000, 19996) else [])
                s.add(contact)
        s.commit()
        return {"common": tags[4].id, "rare": tags[9].id}


def page_sql(tag_id: int) -> str:
    f = inbox_queries.ThreadFilter(tag_id=tag_id)
    stmt = (
        scoped(InboxThread, 1)
        .where(inbox_queries._tagged(1, f))
        .order_by(InboxThread.last_activity_at.desc(), InboxThread.id.desc())
        .limit(26)
    )
    return str(stmt.compile(dialect=mysql.dialect(), compile_kwargs={"literal_binds": True}))


def measure(engine, label: str, sql: str, runs: int = 30) -> None:
    with engine.connect() as conn:
        rows = len(conn.exec_driver_sql(sql).fetchall())
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            conn.exec_driver_sql(sql).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        plan = [r[2] + ":" + str(r[5]) for r in conn.exec_driver_sql("EXPLAIN " + sql)]
    print(f"{label:<34} {rows:>3} rows  p50 {statistics.median(times):6.2f} ms  plan {plan}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="mysql+pymysql://root@127.0.0.1/")
    args = parser.parse_args()
    server = create_engine(args.url)
    with server.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB}")
        conn.exec_driver_sql(f"CREATE DATABASE {DB} CHARACTER SET utf8mb4")
    engine = create_engine(args.url.rstrip("/") + f"/{DB}?charset=utf8mb4")
    try:
        Base.metadata.create_all(engine)
        tags = fill(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE TABLE inbox_thread, contact, contact_tag, tag")
        for name, tag_id in tags.items():
            measure(engine, f"{name} tag, with the index", page_sql(tag_id))
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_inbox_thread_account_customer ON inbox_thread")
        for name, tag_id in tags.items():
            measure(engine, f"{name} tag, without it", page_sql(tag_id))
    finally:
        engine.dispose()
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
