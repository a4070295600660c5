"""Alembic environment: the URL comes from the settings object (or -x url=... / config attribute)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from alembic import context
from sqlalchemy.engine import Connection

import db  # noqa: F401  (registers every model on Base.metadata)
from db.base import Base
from db.engine import _make_engine
from config import settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url") or settings.database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


@contextlib.contextmanager
def _sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """On SQLite, a batch migration rebuilds a table (copy, drop, rename); with foreign keys on, dropping a
    table others reference fails. Switch them off around the migration (outside any transaction, where
    the pragma takes effect), check every reference afterwards, and switch them back on."""
    raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" and not conn.in_transaction() else None
    if raw is None:
        yield
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _migrate(conn: Connection) -> None:
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    with _sqlite_foreign_keys_off(conn), context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = _make_engine(_url())
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
