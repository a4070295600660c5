"""Recompute the statistics summaries (db/stats.py) from the diagnosis table.

The dashboards never wait for this: ``cmmm_stats.on_completed`` keeps the summaries current on every
completion. A rebuild repairs them (after a migration empties them, or on demand) and must give the
same rows — the tests compare the two.

Each summary costs ONE grouped scan of the diagnoses: the year-latest ones, grouped by (year, finest
key), are the per-year rows and are written straight into the summary. An enterprise's latest
diagnosis is also the latest of its year, so the cumulative rows are the per-year rows summed over
the years minus the few "superseded" diagnoses (latest of their year, not latest overall). Each
coarser level is then summed from the level below it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, String, Table, case, cast, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from db.cmmm import Diagnosis
from db.stats import ALL, DOMAINS, LEVELS, MEASURES, SUBDOMAINS, UNIT, stat_industry, stat_region


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
COUNTED = (Diagnosis.year_latest.is_(True), Diagnosis.status == "completed", Diagnosis.city_code.is_not(None))


def rebuild(session: Session) -> None:
    """Recompute both summary tables from the diagnosis table (latest flags are trusted).

    Runs in the caller's transaction. On PostgreSQL the summaries are truncated, so dashboard reads
    wait for the commit (about 9 s at a million diagnoses) instead of seeing half-built rows; on
    SQLite readers keep seeing the old rows until the commit (WAL)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    tables = [f.table for f in FINEST]
    if postgres:
        # Room to hash-aggregate in memory. No parallel workers: the groups are nearly as many as the
        # rows, so partial aggregates only add a merge. TRUNCATE leaves no dead rows to check against,
        # and the keys are built once at the end instead of row by row.
        for setting in ("work_mem = '256MB'", "jit = off", "max_parallel_workers_per_gather = 0"):
            session.execute(text(f"SET LOCAL {setting}"))
        session.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)}"))
        for t in tables:
            for index in t.indexes:
                session.execute(DropIndex(index))
            session.execute(DropConstraint(t.primary_key))
    else:
        for t in tables:
            session.execute(delete(t))
    total = _summer(postgres)
    for f in FINEST:
        _finest(session, f, total, ordered=not postgres)
    r, i = stat_region.c, stat_industry.c
    _roll_up(stat_region, "county", [literal("city"), r.parent_code, r.province_code, r.province_code, r.size],
             [r.parent_code, r.province_code, r.size], session, total)
    _roll_up(stat_region, "city", [literal("province"), r.province_code, literal(""), r.province_code, r.size],
             [r.province_code, r.size], session, total)
    _roll_up(stat_industry, "city", [literal("province"), i.province_code, i.province_code, i.division_code, i.size],
             [i.province_code, i.division_code, i.size], session, total)
    _roll_up(stat_industry, "province", [literal("nation"), literal(""), literal(""), i.division_code, i.size],
             [i.division_code, i.size], session, total)
    if postgres:
        for t in tables:
            session.execute(AddConstraint(t.primary_key))
            for index in t.indexes:
                session.execute(CreateIndex(index))


def _finest(session: Session, f: Finest, total: Callable[[Any], Any], ordered: bool) -> None:
    """Insert the per-year and the cumulative rows of ``f``'s finest level. ``ordered``: sort the
    rows into the summary's key order first (SQLite then appends to its B-trees)."""
    t, keys, extra = f.table, list(f.keys.values()), list(f.extra.values())
    columns = ["scope", "level", *f.keys, *f.extra, *MEASURES]
    per_year = (select(cast(Diagnosis.year, String), literal(f.level), *keys, *extra, *measures())
                .where(*COUNTED).group_by(Diagnosis.year, *keys, *extra))
    # Ordered exactly as grouped: SQLite then needs no second sort (ORDER BY only the key would).
    session.execute(insert(t).from_select(columns, per_year.order_by(Diagnosis.year, *keys, *extra) if ordered
                                          else per_year))
    # The table holds nothing else yet, so its rows are read in one plain scan.
    written = select(*[t.c[k] for k in f.keys], *[t.c[k] for k in f.extra], *[t.c[m] for m in MEASURES])
    superseded = (select(*[k.label(name) for name, k in f.keys.items()], *[k.label(name) for name, k in f.extra.items()],
                         *[(-m).label(m.name) for m in measures()])
                  .where(*COUNTED, Diagnosis.is_latest.is_(False)).group_by(*keys, *extra))
    u = union_all(written, superseded).subquery()
    ukeys = [u.c[k] for k in f.keys]
    cumulative = (select(literal(ALL), literal(f.level), *ukeys, *[func.max(u.c[k]) for k in f.extra],
                         *[total(u.c[m]) for m in MEASURES])
                  .group_by(*ukeys).having(total(u.c.n) > 0))
    session.execute(insert(t).from_select(columns, cumulative.order_by(*ukeys) if ordered else cumulative))


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
