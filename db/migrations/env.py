"""Alembic environment: the URL comes from the settings object (or -x url=... / config attribute)."""
from __future__ import annotations

from alembic import context

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


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = _make_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
