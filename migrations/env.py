"""Alembic environment: Kezek's metadata, the URL from the config or DATABASE_URL."""

from __future__ import annotations

from alembic import context

from app.config import load_settings
from app.extensions import make_engine, wait_for_database
from app.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Ignore tables that are not ours (e.g. left by other tools in a shared database)."""
    if type_ == "table" and reflected and compare_to is None:
        return name in target_metadata.tables
    return True


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().DATABASE_URL


def _utf8mb4(conn) -> None:
    """On MariaDB, make new tables utf8mb4 whatever the server's default charset is."""
    if conn.dialect.name == "mysql":
        conn.exec_driver_sql(
            "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        conn.commit()


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _utf8mb4(connection)
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    wait_for_database(engine, 60)
    with engine.connect() as conn:
        _utf8mb4(conn)
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
