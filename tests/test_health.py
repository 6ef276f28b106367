"""Health and readiness checks, JSON logs with request ids."""

from __future__ import annotations

import json

from sqlalchemy import text

from app import create_app
from app.extensions import make_engine
from tests.conftest import app_config


def test_healthz_and_readyz_answer_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.json["migrations"] is True


def test_readyz_is_503_when_migrations_are_behind(engine, database_url):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        client = create_app({**app_config(database_url), "ENGINE": engine}).test_client()
        resp = client.get("/readyz")
        assert resp.status_code == 503 and resp.json["migrations"] is False
    finally:
        from app.migrate import head_revisions

        with engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v"),
                {"v": next(iter(head_revisions()))},
            )


def test_readyz_is_503_when_database_is_unreachable(database_url):
    bad = make_engine("mysql+pymysql://root@127.0.0.1:1/nothing")
    client = create_app({**app_config(database_url), "ENGINE": bad}).test_client()
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["database"] is False
    assert client.get("/healthz").status_code == 200


def test_logs_are_json_lines_with_request_id(client, capsys):
    client.get("/login", headers={"X-Request-ID": "req-123"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    mine = [row for row in lines if row.get("request_id") == "req-123"]
    assert mine and mine[0]["msg"] == "GET /login 200" and mine[0]["level"] == "info"


def test_error_pages_are_localized(client):
    resp = client.get("/no-such-page", headers={"Accept-Language": "kk"})
    assert resp.status_code == 404 and "Бет табылмады" in resp.text
    resp = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert "Страница не найдена" in resp.text
