"""Recompute the statistics summaries (db/stats.py) from the diagnosis table.

The dashboards never wait for this: ``cmmm_stats.on_completed`` keeps the summaries current on every
completion. A rebuild repairs them (after a migration empties them, or on demand) and must give the
same rows — the tests compare the two.

For each summary ONE scan of the year-latest diagnoses, grouped by (year, finest key, latest?),
fills a scratch table of cells; an enterprise's latest diagnosis is also the latest of its year, so
the cells give both the per-year rows (sum over latest?) and the cumulative rows (latest cells summed
over the years). Each coarser level is then summed from the level below it. The scratch table's
primary key follows the summary's, so SQLite reads the cells in key order instead of sorting them
again and the summary rows are written in key order.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from sqlalchemy import (Column, Float, Integer, MetaData, PrimaryKeyConstraint, String, Table, case, cast, delete, func,
                        insert, literal, select, text)
from sqlalchemy.orm import Session

from db.cmmm import Diagnosis
from db.stats import ALL, DOMAINS, LEVELS, MEASURES, SUBDOMAINS, UNIT, measure_columns, stat_industry, stat_region


def measures() -> list[Any]:
    """Return the aggregate expressions of every measure over diagnosis rows, labelled by measure."""
    total = cast(func.round(Diagnosis.total_score * UNIT), Integer)  # the typed scores are in UNIT already
    cols: list[Any] = [func.count().label("n"), func.coalesce(func.sum(total), 0).label("score_sum")]
    cols += [func.sum(case((Diagnosis.level == k, 1), else_=0)).label(f"n_l{k}") for k in LEVELS]
    for prefix, names in (("d", DOMAINS), ("s", SUBDOMAINS)):
        for i in range(len(names)):
            c = getattr(Diagnosis, f"{prefix}{i}")
            cols += [func.coalesce(func.sum(c), 0).label(f"{prefix}{i}_sum"), func.count(c).label(f"{prefix}{i}_n")]
    return cols


@dataclass(frozen=True)
class Finest:
    """The finest rows of one summary: its level, its key columns after scope (in primary-key order)
    with the diagnosis expressions that fill them, and the columns that depend on the key."""
    table: Table
    level: str
    keys: dict[str, Any]
    extra: dict[str, Any]


FINEST = [
    Finest(stat_region, "county",
           {"region_code": func.coalesce(Diagnosis.county_code, Diagnosis.city_code, ""),
            "size": func.coalesce(Diagnosis.size, "")},
           {"parent_code": func.coalesce(Diagnosis.city_code, ""),
            "province_code": func.coalesce(Diagnosis.province_code, "")}),
    Finest(stat_industry, "city",
           {"region_code": func.coalesce(Diagnosis.city_code, ""),
            "division_code": func.coalesce(Diagnosis.division_code, ""),
            "size": func.coalesce(Diagnosis.size, "")},
           {"province_code": func.coalesce(Diagnosis.province_code, "")}),
]


def _cells(f: Finest, keyed: bool) -> Table:
    """Scratch table of (year, *key, latest?) cells with every measure; ``keyed``: clustered in that
    order (SQLite then groups the cells without sorting them; PostgreSQL hashes, a key only costs)."""
    keys = list(f.keys)
    cols: list[Any] = [Column("year", Integer), *[Column(k, String(6)) for k in keys], Column("latest", Integer),
                       *[Column(k, String(6)) for k in f.extra], *measure_columns()]
    if keyed:
        cols.append(PrimaryKeyConstraint("year", *keys, "latest"))
    return Table(f"{f.table.name}_cells", MetaData(), *cols, prefixes=["TEMPORARY"], sqlite_with_rowid=not keyed)


def rebuild(session: Session) -> None:
    """Recompute both summary tables from the diagnosis table (latest flags are trusted).

    Runs in the caller's transaction. On PostgreSQL the summaries are truncated, so dashboard reads
    wait for the commit (about 13 s at a million diagnoses) instead of seeing half-built rows; on
    SQLite readers keep seeing the old rows until the commit (WAL)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # room to hash-aggregate in memory; TRUNCATE leaves no dead rows for the inserts to check
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text(f"TRUNCATE {stat_region.name}, {stat_industry.name}"))
    else:
        session.execute(delete(stat_region))
        session.execute(delete(stat_industry))
    total = _summer(postgres)
    conn = session.connection()
    for f in FINEST:
        cells = _cells(f, keyed=not postgres)
        cells.drop(conn, checkfirst=True)
        cells.create(conn)
        latest = cast(Diagnosis.is_latest, Integer)
        q = (select(Diagnosis.year, *f.keys.values(), latest, *f.extra.values(), *measures())
             .where(Diagnosis.year_latest.is_(True), Diagnosis.status == "completed", Diagnosis.city_code.is_not(None))
             .group_by(Diagnosis.year, *f.keys.values(), latest, *f.extra.values()))
        session.execute(insert(cells).from_select(["year", *f.keys, "latest", *f.extra, *MEASURES], q))
        c = cells.c
        keys, extra = [c[k] for k in f.keys], [func.max(c[k]) for k in f.extra]
        sums = [total(c[m]) for m in MEASURES]
        scope = cast(c.year, String)
        per_year = (select(scope, literal(f.level), *keys, *extra, *sums)  # written in the summary's key order
                    .group_by(c.year, *keys).order_by(scope, *keys))
        cumulative = (select(literal(ALL), literal(f.level), *keys, *extra, *sums)
                      .where(c.latest == 1).group_by(*keys).order_by(*keys))
        for part in (per_year, cumulative):
            session.execute(insert(f.table).from_select(["scope", "level", *f.keys, *f.extra, *MEASURES], part))
        cells.drop(conn)
    r, i = stat_region.c, stat_industry.c
    _roll_up(stat_region, "county", [literal("city"), r.parent_code, r.province_code, r.province_code, r.size],
             [r.parent_code, r.province_code, r.size], session, total)
    _roll_up(stat_region, "city", [literal("province"), r.province_code, literal(""), r.province_code, r.size],
             [r.province_code, r.size], session, total)
    _roll_up(stat_industry, "city", [literal("province"), i.province_code, i.province_code, i.division_code, i.size],
             [i.province_code, i.division_code, i.size], session, total)
    _roll_up(stat_industry, "province", [literal("nation"), literal(""), literal(""), i.division_code, i.size],
             [i.division_code, i.size], session, total)


def _summer(postgres: bool) -> Callable[[Any], Any]:
    """Return the SUM to add up integer measures with: PostgreSQL's sum(bigint) works in NUMERIC, so
    there it sums in float8 — exact for integers below 2**53, far above any total of scores here."""
    if postgres:
        return lambda col: func.sum(cast(col, Float))
    return func.sum


def _roll_up(table: Table, below: str, cols: list[Any], group: list[Any], session: Session,
             total: Callable[[Any], Any]) -> None:
    """Insert the next level's rows of ``table`` as sums of its ``below`` rows (same column order as
    the finest rows: level, region, parent/province, …, size)."""
    names = (["level", "region_code", "parent_code", "province_code", "size"] if table is stat_region
             else ["level", "region_code", "province_code", "division_code", "size"])
    sums = [total(table.c[m]) for m in MEASURES]
    q = select(table.c.scope, *cols, *sums).where(table.c.level == below).group_by(table.c.scope, *group)
    session.execute(insert(table).from_select(["scope", *names, *MEASURES], q))
