"""Helpers shared by the benchmark scripts: timing, and refreshing the planner statistics."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def timed(fn: Callable[[], Any], repeat: int = 20) -> tuple[float, float]:
    """Run ``fn`` ``repeat`` times; return (median, p95) in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def analyze(url: str) -> None:
    """Refresh the query planner's statistics after bulk-loading benchmark rows."""
    from sqlalchemy import text

    from db.engine import get_engine
    with get_engine().connect() as c:
        if url.startswith("postgresql"):
            c.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            c.execute(text("ANALYZE"))
            c.commit()


def with_database(name: str, enterprises: int, run: Callable[[str, int], None]) -> None:
    """Parse ``--enterprises`` / ``--database-url`` / ``--postgres`` (a throw-away cluster) and call
    ``run(url, enterprises)``; a temporary SQLite file when neither database option is given."""
    import argparse
    import tempfile
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=enterprises)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--postgres", action="store_true", help="start a throw-away PostgreSQL cluster")
    args = parser.parse_args()
    server = None
    if args.postgres:
        from tests.conftest import PostgresServer
        server = PostgresServer()
    url = server.url if server else args.database_url or f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    try:
        run(url, args.enterprises)
    finally:
        if server:
            server.stop()


@contextmanager
def indexes_deferred(tables: Iterable[str]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for a bulk load and create them again afterwards, from the
    database's own DDL (so indexes made by migrations come back exactly): building an index once at the end
    is several times cheaper than keeping it ordered row by row. SQLite and PostgreSQL."""
    from sqlalchemy import text

    from db.engine import get_engine
    engine = get_engine()
    names = list(tables)
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            ddl = c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                                 f"tbl_name IN ({', '.join(repr(t) for t in names)})")).all()
        else:
            ddl = c.execute(text("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                                 "AND i.tablename = ANY(:t) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                                 "WHERE k.conname = i.indexname)"), {"t": names}).all()
        for name, _ in ddl:
            c.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with engine.begin() as c:
            for _, sql in ddl:
                c.execute(text(sql))
