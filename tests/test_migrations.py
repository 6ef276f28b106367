"""Migrations are the only schema source; they match the models on both backends."""

from __future__ import annotations

import secrets

import pymysql
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import make_engine
from app.migrate import at_head, upgrade
from app.models import Base, Workspace
from tests.conftest import _mariadb_server_url

GREETING = "Сәлем 👋 қазақ"


def test_upgrade_head_leaves_no_autogenerate_diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert at_head(engine)


def test_emoji_and_kazakh_letters_round_trip(session):
    session.add(Workspace(name=GREETING, timezone="Asia/Almaty"))
    session.commit()
    session.expire_all()
    assert session.scalar(select(Workspace.name).where(Workspace.name == GREETING)) == GREETING


def test_migrations_make_utf8mb4_tables_on_a_latin1_mariadb_database():
    conn_args = _mariadb_server_url()[1]
    name = f"kezek_latin1_{secrets.token_hex(3)}"
    conn = pymysql.connect(**conn_args)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET latin1")
        url = f"{_mariadb_server_url()[0].rstrip('/')}/{name}"
        upgrade(url)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, table_collation FROM information_schema.tables "
                "WHERE table_schema = %s",
                (name,),
            )
            rows = cur.fetchall()
        assert len(rows) >= len(Base.metadata.tables)
        assert all(collation.startswith("utf8mb4") for _, collation in rows), rows
        eng = make_engine(url)
        with Session(eng) as sess:
            sess.add(Workspace(name=GREETING, timezone="UTC"))
            sess.commit()
            assert sess.scalar(select(Workspace.name)) == GREETING
        eng.dispose()
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
