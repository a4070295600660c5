"""Engine and session factory. The session's lifecycle lives here, outside the services."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from config import settings

_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None
_read_factory: sessionmaker[Session] | None = None
READ_OPTION = "huiqi_read"  # execution option of the connections of reading sessions


class WriteInReadScope(RuntimeError):
    """A programming error: something tried to write inside ``session_scope(read=True)``."""


def _json(value: object) -> str:
    # Real UTF-8, not \u escapes: SQLite's json_extract matches keys as written, so Chinese keys
    # such as {"数据": 0.8} must be stored as themselves to be aggregated in SQL.
    return json.dumps(value, ensure_ascii=False)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_seconds}, json_serializer=_json)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" below open transactions
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA threads=2")  # large sorts (GROUP BY over a whole table) use a helper thread
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # A writing transaction takes the write lock up front: two deferred transactions that both
            # read and then write would otherwise fail with "database is locked" instead of waiting
            # their turn. A reading one (session_scope(read=True)) stays deferred: it reads a WAL
            # snapshot and neither waits for writers nor makes them wait.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_OPTION) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, json_serializer=_json)


def configure(url: str | None = None) -> Engine:
    """(Re)bind the process to the database at ``url`` (default: settings.database_url)."""
    global _engine, _factory, _read_factory
    if _engine is not None:
        _engine.dispose()
    _engine = _make_engine(url or settings.database_url)
    _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    reading: dict[str, object] = {READ_OPTION: True}
    if _engine.dialect.name == "postgresql":  # one consistent snapshot for a whole export, and no writes
        reading.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    _read_factory = sessionmaker(bind=_engine.execution_options(**reading), expire_on_commit=False,
                                 info={READ_OPTION: True})
    return _engine


def get_engine() -> Engine:
    """Return the process engine, creating it on first use."""
    if _engine is None:
        configure()
    assert _engine is not None
    return _engine


def get_sessionmaker() -> sessionmaker[Session]:
    """Return the process session factory."""
    get_engine()
    assert _factory is not None
    return _factory


@event.listens_for(Session, "before_flush")
def _no_writes_when_reading(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(READ_OPTION) and (session.new or session.dirty or session.deleted):
        raise WriteInReadScope("session_scope(read=True) cannot write")


@event.listens_for(Session, "do_orm_execute")
def _no_statements_that_write_when_reading(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_OPTION) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteInReadScope("session_scope(read=True) cannot write")


@contextmanager
def session_scope(read: bool = False) -> Iterator[Session]:
    """Yield a session inside one transaction: commit on success, roll back on error.

    ``read=True`` is for work that only reads (lists, counts, dashboards, exports): on SQLite its
    transaction is deferred — a WAL snapshot that never waits for a writer and never holds a writer
    up (on PostgreSQL: REPEATABLE READ, READ ONLY); any write inside it raises ``WriteInReadScope``.
    Writing work keeps the default: ``BEGIN IMMEDIATE`` on SQLite, short, one per user action.

    A lock the database gave up waiting for (SQLite's ``database is locked`` after the 30 s busy
    timeout, a PostgreSQL lock timeout or serialization failure) becomes ``services.core.errors.Busy``:
    nothing was written, and the user is told to try again."""
    from services.core.errors import Busy, as_service_error
    try:
        if read:
            get_engine()
            assert _read_factory is not None
            with _read_factory() as session, session.begin():
                yield session  # nothing to commit: ending it only releases the snapshot
            return
        with get_sessionmaker()() as session, session.begin():
            yield session
    except OperationalError as exc:
        if isinstance(as_service_error(exc), Busy):
            raise Busy() from exc
        raise
