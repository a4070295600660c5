"""Recompute the statistics summaries (db/stats.py) from the diagnosis table.

The dashboards never wait for this: ``cmmm_stats.on_completed`` keeps the summaries current on every
completion. A rebuild repairs them (after a migration empties them, or on demand) and must give the
same rows — the tests compare the two.

Each summary costs ONE grouped scan of the diagnoses: the year-latest ones, grouped by (year, finest
key), are the per-year rows and are written straight into the summary. An enterprise's latest
diagnosis is also the latest of its year, so the cumulative rows are the per-year rows summed over
the years minus the few "superseded" diagnoses (latest of their year, not latest overall). Each
coarser level is then summed from the level below it.

``rebuild_all`` builds the two summaries at the same time, on the machine's two cores. PostgreSQL
does that on two connections. SQLite cannot share a write transaction between connections, and two
connections of one process do not run in parallel here, so a helper process
(``python -m services.stats.rebuild``) builds the region summary into a scratch file while this
process builds the industry summary, then copies it in.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (URL, BindParameter, Connection, Float, Integer, MetaData, String, Table, case, cast, create_engine, delete,
                        event, func, insert, literal, select, text, union_all)
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, DropConstraint, DropIndex

from db.cmmm import Diagnosis
from db.engine import get_engine, session_scope
from db.stats import ALL, LEVELS, MEASURES, UNIT, WIDE, stat_industry, stat_region

ROOT = Path(__file__).resolve().parents[2]
HELPER = [sys.executable, "-m", "services.stats.rebuild"]  # + the database file and the scratch file


PACK = 1 << 24  # SQLite's per-year scan sums "score × PACK + 1": a score's sum and count in one SUM


def measures(packed: bool = False) -> list[Any]:
    """Return the aggregate expressions of every measure over diagnosis rows, labelled by measure.

    ``packed``: each typed score's sum and count as ONE sum labelled ``<score>_packed`` (``unpack``
    splits it). SQLite's time goes per aggregate call, so this takes a quarter off its largest scan.
    Exact while a group has fewer than PACK diagnoses (checked after the scan) and its score sum stays
    below 2**39 units (about 55 million points; SQLite raises "integer overflow" beyond)."""
    total = cast(func.round(Diagnosis.total_score * UNIT), Integer)  # the typed scores are in UNIT already
    cols: list[Any] = [func.count().label("n"), func.coalesce(func.sum(total), 0).label("score_sum")]
    cols += [func.sum(case((Diagnosis.level == k, 1), else_=0)).label(f"n_l{k}") for k in LEVELS]
    for prefix, names in WIDE.values():
        for i in range(len(names)):
            c = getattr(Diagnosis, f"{prefix}{i}")
            if packed:
                cols.append(func.coalesce(func.sum(c * PACK + 1), 0).label(f"{prefix}{i}_packed"))
            else:
                cols += [func.coalesce(func.sum(c), 0).label(f"{prefix}{i}_sum"), func.count(c).label(f"{prefix}{i}_n")]
    return cols


def unpack(q: Any) -> list[Any]:
    """Return every measure of ``q``, a subquery of ``measures(packed=True)``, in MEASURES order."""
    cols: list[Any] = [q.c.n, q.c.score_sum, *[q.c[f"n_l{k}"] for k in LEVELS]]
    for prefix, names in WIDE.values():
        for i in range(len(names)):
            p = q.c[f"{prefix}{i}_packed"]
            cols += [p.op(">>")(PACK.bit_length() - 1), p.op("&")(PACK - 1)]
    return cols


RollUp = Callable[[Any], tuple[str, dict[str, Any]]]  # table columns → (level below, {column: expression})


@dataclass(frozen=True)
class Summary:
    """How one summary table is built: its finest level; that level's key columns after scope (in
    primary-key order) and the columns that depend on the key, with the diagnosis expressions that
    fill them; and each coarser level as sums of the level below."""
    table: Table
    level: str
    keys: dict[str, Any]
    extra: dict[str, Any]
    roll_ups: tuple[RollUp, ...]


SUMMARIES = [
    Summary(stat_region, "county",
            {"region_code": func.coalesce(Diagnosis.county_code, Diagnosis.city_code, ""),
             "size": func.coalesce(Diagnosis.size, "")},
            {"parent_code": func.coalesce(Diagnosis.city_code, ""),
             "province_code": func.coalesce(Diagnosis.province_code, "")},
            (lambda c: ("county", {"level": literal("city"), "region_code": c.parent_code, "parent_code": c.province_code,
                                   "province_code": c.province_code, "size": c.size}),
             lambda c: ("city", {"level": literal("province"), "region_code": c.province_code, "parent_code": literal(""),
                                 "province_code": c.province_code, "size": c.size}))),
    Summary(stat_industry, "city",
            {"region_code": func.coalesce(Diagnosis.city_code, ""),
             "division_code": func.coalesce(Diagnosis.division_code, ""),
             "size": func.coalesce(Diagnosis.size, "")},
            {"province_code": func.coalesce(Diagnosis.province_code, "")},
            (lambda c: ("city", {"level": literal("province"), "region_code": c.province_code,
                                 "province_code": c.province_code, "division_code": c.division_code, "size": c.size}),
             lambda c: ("province", {"level": literal("nation"), "region_code": literal(""), "province_code": literal(""),
                                     "division_code": c.division_code, "size": c.size}))),
]
COUNTED = (Diagnosis.year_latest.is_(True), Diagnosis.status == "completed", Diagnosis.city_code.is_not(None))


def rebuild(session: Session) -> None:
    """Recompute both summary tables from the diagnosis table (latest flags are trusted), one after
    the other in the caller's transaction.

    On PostgreSQL the summaries are truncated, so dashboard reads wait for the commit instead of
    seeing half-built rows; on SQLite readers keep seeing the old rows until the commit (WAL)."""
    conn = session.connection()
    tables = [s.table for s in SUMMARIES]
    _clear(conn, tables)
    for s in SUMMARIES:
        build(conn, s, s.table)
    _restore_keys(conn, tables)


def rebuild_all() -> None:
    """Recompute both summary tables in transactions of their own, both at the same time: on
    PostgreSQL one transaction per summary on two connections; on a SQLite file in one transaction,
    the region summary built by a helper process (see the module's docstring)."""
    engine = get_engine()
    path = engine.url.database
    if engine.dialect.name == "postgresql":
        def one(s: Summary) -> None:
            with engine.begin() as conn:
                _clear(conn, [s.table])
                build(conn, s, s.table)
                _restore_keys(conn, [s.table])
        with ThreadPoolExecutor(len(SUMMARIES)) as pool:
            list(pool.map(one, SUMMARIES))  # re-raises the first failure
        return
    if not path or path == ":memory:":
        with session_scope() as session:
            rebuild(session)
        return
    region, industry = SUMMARIES
    with tempfile.TemporaryDirectory(prefix="huiqi-rebuild-") as tmp, engine.connect() as conn:
        scratch = str(Path(tmp) / "summary.db")
        try:
            with conn.begin():
                # The write lock is taken here (BEGIN IMMEDIATE), so nothing commits until this
                # transaction does: the helper, reading the last committed state, sees what we see.
                _clear(conn, [region.table, industry.table])
                helper = subprocess.Popen([*HELPER, str(Path(path).resolve()), scratch], cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                try:
                    build(conn, industry, industry.table)
                except BaseException:
                    helper.kill()
                    raise
                finally:
                    _, err = helper.communicate()
                if helper.returncode:
                    raise RuntimeError(f"统计汇总重建失败：辅助进程退出码 {helper.returncode}。{err.strip()[-2000:]}")
                conn.execute(text("ATTACH DATABASE :path AS scratch"), {"path": scratch})
                copy = region.table.to_metadata(MetaData(), schema="scratch")
                conn.execute(insert(region.table).from_select([c.name for c in copy.c], select(copy)))
            conn.exec_driver_sql("DETACH DATABASE scratch")
            conn.commit()
        except BaseException:
            conn.invalidate()  # never hand the pool a connection with a scratch file attached
            raise


def _clear(conn: Connection, tables: list[Table]) -> None:
    """Empty ``tables`` for a rebuild. PostgreSQL: room to hash-aggregate in memory; no parallel
    workers (the groups are nearly as many as the rows, so partial aggregates only add a merge);
    TRUNCATE, which leaves no dead rows to check against; and no keys until the rows are in."""
    if conn.dialect.name != "postgresql":
        for t in tables:
            conn.execute(delete(t))
        return
    for setting in ("work_mem = '256MB'", "jit = off", "max_parallel_workers_per_gather = 0"):
        conn.execute(text(f"SET LOCAL {setting}"))
    conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)}"))
    for t in tables:
        for index in t.indexes:
            conn.execute(DropIndex(index))
        conn.execute(DropConstraint(t.primary_key))


def _restore_keys(conn: Connection, tables: list[Table]) -> None:
    """Build the keys ``_clear`` dropped (PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.execute(AddConstraint(t.primary_key))
            for index in t.indexes:
                conn.execute(CreateIndex(index))


def build(conn: Connection, s: Summary, target: Table) -> None:
    """Fill ``target`` (``s.table`` or an empty copy of it) with every row of summary ``s``."""
    postgres = conn.dialect.name == "postgresql"
    total = _summer(postgres)
    keys, extra = list(s.keys.values()), list(s.extra.values())
    columns = ["scope", "level", *s.keys, *s.extra, *MEASURES]
    if postgres:  # hashes; sum(bigint) there works in NUMERIC, so packing would cost, not save
        per_year = (select(cast(Diagnosis.year, String), literal(s.level), *keys, *extra, *measures())
                    .where(*COUNTED).group_by(Diagnosis.year, *keys, *extra))
    else:  # rows in the summary's key order append to its B-trees: ordered exactly as grouped (no second sort)
        cells = (select(Diagnosis.year.label("year"), *[k.label(n) for n, k in {**s.keys, **s.extra}.items()],
                        *measures(packed=True))
                 .where(*COUNTED).group_by(Diagnosis.year, *keys, *extra).order_by(Diagnosis.year, *keys, *extra)
                 .subquery())
        per_year = select(cast(cells.c.year, String), literal(s.level), *[cells.c[n] for n in [*s.keys, *s.extra]],
                          *unpack(cells))
    conn.execute(insert(target).from_select(columns, per_year))
    if not postgres and (conn.scalar(select(func.max(target.c.n))) or 0) >= PACK:
        raise RuntimeError(f"统计汇总重建失败：某一分组超过 {PACK:,} 次自诊断，超出打包求和的范围。")
    # The target holds nothing else yet, so its rows are read in one plain scan.
    written = select(*[target.c[k] for k in s.keys], *[target.c[k] for k in s.extra], *[target.c[m] for m in MEASURES])
    superseded = (select(*[k.label(name) for name, k in s.keys.items()], *[k.label(name) for name, k in s.extra.items()],
                         *[(-m).label(m.name) for m in measures()])
                  .where(*COUNTED, Diagnosis.is_latest.is_(False)).group_by(*keys, *extra))
    u = union_all(written, superseded).subquery()
    ukeys = [u.c[k] for k in s.keys]
    cumulative = (select(literal(ALL), literal(s.level), *ukeys, *[func.max(u.c[k]) for k in s.extra],
                         *[total(u.c[m]) for m in MEASURES])
                  .group_by(*ukeys).having(total(u.c.n) > 0))
    conn.execute(insert(target).from_select(columns, cumulative if postgres else cumulative.order_by(*ukeys)))
    for roll_up in s.roll_ups:
        below, values = roll_up(target.c)
        group: list[Any] = []
        for v in values.values():  # the distinct column expressions, in order (by identity: == builds SQL)
            if not isinstance(v, BindParameter) and all(v is not g for g in group):
                group.append(v)
        q = (select(target.c.scope, *values.values(), *[total(target.c[m]) for m in MEASURES])
             .where(target.c.level == below).group_by(target.c.scope, *group))
        conn.execute(insert(target).from_select(["scope", *values, *MEASURES], q))


def _summer(postgres: bool) -> Callable[[Any], Any]:
    """Return the SUM to add up integer measures with: PostgreSQL's sum(bigint) works in NUMERIC, so
    there it sums in float8 — exact for integers below 2**53, far above any total of scores here."""
    if postgres:
        return lambda col: func.sum(cast(col, Float))
    return func.sum


def _helper(database: str, scratch: str) -> None:
    """Build the region summary of the SQLite file ``database`` into the new file ``scratch``.

    A plain engine: its transactions start deferred and write only the scratch file, so they never
    wait for the write lock the calling process holds on ``database``."""
    engine = create_engine(URL.create("sqlite", database=database))

    @event.listens_for(engine, "connect")
    def _attach(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("ATTACH DATABASE ? AS scratch", (scratch,))
        for pragma in ("scratch.journal_mode=OFF", "scratch.synchronous=OFF", "threads=0"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    target = SUMMARIES[0].table.to_metadata(MetaData(), schema="scratch")
    with engine.begin() as conn:
        conn.execute(CreateTable(target))
        build(conn, SUMMARIES[0], target)


if __name__ == "__main__":
    _helper(sys.argv[1], sys.argv[2])
