"""Self-diagnosis statistics from the summary tables (db/stats.py).

``on_completed`` updates the summaries inside the transaction that completes a diagnosis (the
enterprise's previous latest leaves, the new one enters), so the dashboards show it at once;
``rebuild`` recomputes everything with a few GROUP BY statements and must give the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Table, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.cmmm import Diagnosis
from db.engine import session_scope
from db.stats import ALL, LEVELS, MEASURES, UNIT, WIDE, stat_industry, stat_region
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_STATS_VIEW, Actor, in_jurisdiction, require
from services.reference import industry, region, region_children, region_path
from services.core.rules import MANUFACTURING_DIVISIONS
from services.stats.rebuild import measures, rebuild, rebuild_all  # noqa: F401  (rebuilds: this module's interface)

SIZES = ["大型", "中型", "小型", "微型"]
DIVISIONS = list(MANUFACTURING_DIVISIONS)  # the 31 manufacturing 大类 (GB/T 4754-2017 C 门类)


def units(score: Any) -> int:
    """Return a score as an integer count of db.stats.UNIT (1/10 000 point), rounded half up."""
    return int((Decimal(str(score)) * UNIT).quantize(Decimal(1), ROUND_HALF_UP))


def set_typed_scores(d: Diagnosis) -> None:
    """Copy the JSON dimension scores (``{dimension}_scores``) into the integer columns of the wide
    dimensions the definition declares (d0–d11, s0–s19)."""
    for dimension, (prefix, names) in WIDE.items():
        scores = getattr(d, f"{dimension}_scores") or {}
        for i, name in enumerate(names):
            setattr(d, f"{prefix}{i}", units(scores[name]) if name in scores else None)


def contribution(d: Diagnosis) -> dict[str, Any]:
    """Return what one diagnosis adds to a summary row."""
    out: dict[str, Any] = {m: 0 for m in MEASURES}
    out["n"], out["score_sum"] = 1, units(d.total_score or 0)
    out[f"n_l{int(d.level or 0)}"] = 1
    for prefix, names in WIDE.values():
        for i in range(len(names)):
            value = getattr(d, f"{prefix}{i}")
            if value is not None:
                out[f"{prefix}{i}_sum"], out[f"{prefix}{i}_n"] = int(value), 1
    return out


Deltas = dict[tuple[tuple[str, Any], ...], dict[str, int]]  # summary row key (sorted items) → measure deltas


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, table: Table) -> Any:
    """INSERT … ON CONFLICT (the key) DO UPDATE SET measure = measure + excluded.measure — built once
    per dialect and table, so a completion compiles nothing (before: ~4,000 expressions per completion)."""
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return ins.on_conflict_do_update(index_elements=[c.name for c in table.primary_key],
                                     set_={m: table.c[m] + ins.excluded[m] for m in MEASURES})


def _upsert_all(session: Session, table: Table, deltas: Deltas) -> None:
    """Add each key's summed delta to its row (inserting the row if new), in one executemany.
    The keys are distinct (deltas were merged per key first): PostgreSQL refuses one statement
    touching a row twice."""
    rows = [{m: 0 for m in MEASURES} | dict(key) | delta for key, delta in deltas.items() if any(delta.values())]
    if rows:
        session.execute(_upsert_statement(session.get_bind().dialect.name, table), rows)


def region_keys(province: str | None, city: str | None, county: str | None) -> list[dict[str, str]]:
    """Return the stat_region rows one diagnosis counts in: its province, city and county (a city
    without counties stands in as its own county, as everywhere else)."""
    if not province:
        return []
    keys = [{"level": "province", "region_code": province, "parent_code": "", "province_code": province}]
    if city:
        keys += [{"level": "city", "region_code": city, "parent_code": province, "province_code": province},
                 {"level": "county", "region_code": county or city, "parent_code": city, "province_code": province}]
    return keys


def industry_keys(province: str | None, city: str | None) -> list[dict[str, str]]:
    """Return the stat_industry rows (besides the division) one diagnosis counts in."""
    return [{"level": "nation", "region_code": "", "province_code": ""}] + \
        ([{"level": "province", "region_code": province, "province_code": province}] if province else []) + \
        ([{"level": "city", "region_code": city, "province_code": province or ""}] if city else [])


def _apply(deltas: tuple[Deltas, Deltas], d: Diagnosis, scope: str, sign: int) -> None:
    """Add ``sign`` × the diagnosis' contribution to every summary row it counts in (per table, by key)."""
    delta = contribution(d)
    size = d.size or ""
    regional = [{"scope": scope, "size": size, **key} for key in region_keys(d.province_code, d.city_code, d.county_code)]
    industrial = [{"scope": scope, "size": size, "division_code": d.division_code or "", **key}
                  for key in industry_keys(d.province_code, d.city_code)]
    for target, keys in zip(deltas, (regional, industrial)):
        for key in keys:
            acc = target.setdefault(tuple(sorted(key.items())), {m: 0 for m in MEASURES})
            for m, v in delta.items():
                if v:
                    acc[m] += v * sign


def on_completed(session: Session, d: Diagnosis) -> None:
    """Make ``d`` (just completed, flags already set by nobody) the org's latest, overall and in its year."""
    deltas: tuple[Deltas, Deltas] = ({}, {})
    old_latest = session.scalar(select(Diagnosis).where(Diagnosis.org_id == d.org_id, Diagnosis.is_latest.is_(True),
                                                        Diagnosis.id != d.id))
    if old_latest is not None:
        _apply(deltas, old_latest, ALL, -1)
        old_latest.is_latest = False
    old_year = session.scalar(select(Diagnosis).where(Diagnosis.org_id == d.org_id, Diagnosis.year == d.year,
                                                      Diagnosis.year_latest.is_(True), Diagnosis.id != d.id))
    if old_year is not None:
        _apply(deltas, old_year, str(d.year), -1)
        old_year.year_latest = False
    d.is_latest = d.year_latest = True
    _apply(deltas, d, ALL, +1)
    _apply(deltas, d, str(d.year), +1)
    _upsert_all(session, stat_region, deltas[0])
    _upsert_all(session, stat_industry, deltas[1])


# --- page data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    code: str
    name: str
    n: int
    average: float | None
    levels: list[int]                       # counts per level 0..5
    dimensions: dict[str, list[float | None]] = field(default_factory=dict)  # per declared dimension, in order

    @property
    def domains(self) -> list[float | None]:
        return self.dimensions.get("domain", [])

    @property
    def subdomains(self) -> list[float | None]:
        return self.dimensions.get("subdomain", [])

    @property
    def share_l2_plus(self) -> float | None:
        return sum(self.levels[2:]) / self.n if self.n else None


def _row(code: str, name: str, r: Any) -> Row:
    n = int(r.n or 0)

    def avg(prefix: str, count: int) -> list[float | None]:
        return [int(getattr(r, f"{prefix}{i}_sum")) / UNIT / int(getattr(r, f"{prefix}{i}_n"))
                if int(getattr(r, f"{prefix}{i}_n") or 0) else None for i in range(count)]
    return Row(code, name, n, int(r.score_sum) / UNIT / n if n else None, [int(getattr(r, f"n_l{k}") or 0) for k in LEVELS],
               {dimension: avg(prefix, len(names)) for dimension, (prefix, names) in WIDE.items()})


def _check_scope(actor: Actor, parent: str | None) -> None:
    require(actor, P_STATS_VIEW)
    if parent is None:
        if actor.region_code is not None:
            raise PermissionDenied("无权查看全国统计：超出您的管辖范围。")
        return
    if not in_jurisdiction(actor, region_path(parent)):
        raise PermissionDenied("无权查看该地区统计：超出您的管辖范围。")


def _read(table: Table, where: list[Any], group: Any) -> tuple[dict[str, Any], Any]:
    """Return ({code: summed row}, the total) of the summary rows matching ``where``."""
    sums = [func.coalesce(func.sum(table.c[m]), 0).label(m) for m in MEASURES]
    with session_scope(read=True) as session:
        rows = {str(r.code): r for r in session.execute(select(group.label("code"), *sums).where(*where).group_by(group))}
        total = session.execute(select(*sums).where(*where)).one()
    return rows, total


def region_rows(actor: Actor, parent: str | None, scope: str = ALL, size: str | None = None,
                division: str | None = None) -> tuple[Row, list[Row]]:
    """Return (the parent's totals, one row per child region) — nation → provinces → cities → counties.

    ``division`` (a GB/T 4754 大类) narrows to one industry: provinces and cities come from the
    industry summary; the counties of one city from that city's diagnoses (see ``_county_rows``)."""
    parent = parent if parent is not None else actor.region_code
    _check_scope(actor, parent)
    node = region(parent) if parent else None
    level = node.level if node else None
    children = [node] if level == "county" and node else list(region_children(parent))
    if division and node is not None and level in ("city", "county"):
        rows, total = _county_rows(node, scope, size, division)
    elif division:
        i = stat_industry.c
        where = [i.scope == scope, i.division_code == division] + ([i.size == size] if size else [])
        rows, _ = _read(stat_industry, where + [i.level == ("province" if level is None else "city")]
                        + ([i.province_code == parent] if parent else []), i.region_code)
        _, total = _read(stat_industry, where + [i.level == ("nation" if level is None else "province"),
                                                 i.region_code == (parent or "")], i.region_code)
    else:
        t = stat_region.c
        where = [t.scope == scope] + ([t.size == size] if size else [])
        if level == "county":
            where += [t.level == "county", t.region_code == parent]
        else:
            where += [t.level == {None: "province", "province": "city", "city": "county"}[level],
                      t.parent_code == (parent or "")]
        rows, total = _read(stat_region, where, t.region_code)
    out = [_row(c.code, c.name, rows[c.code]) if c.code in rows else Row(c.code, c.name, 0, None, [0] * len(LEVELS))
           for c in children]
    return _row(parent or "100000", node.name if node else "全国", total), out


def _county_rows(node: Any, scope: str, size: str | None, division: str) -> tuple[dict[str, Any], Any]:
    """Return ({county: summed row}, the total) of one industry inside one city (``node`` is the city
    or one of its counties), summed from the city's diagnoses: county × industry summary rows would
    outnumber the diagnoses themselves, while one city holds a few thousand, found by index. The same
    flags and typed scores as the summaries, so the figures agree with them."""
    if scope != ALL and not scope.isdigit():
        raise ValidationFailed({"统计口径": ["统计口径：应为“累计”或年份。"]})
    d = Diagnosis
    county = func.coalesce(d.county_code, d.city_code)
    city = node.code if node.level == "city" else node.parent_code
    where = [d.status == "completed", d.division_code == division, d.city_code == city,
             d.is_latest.is_(True) if scope == ALL else and_(d.year_latest.is_(True), d.year == int(scope))]
    where += ([d.size == size] if size else []) + ([county == node.code] if node.level == "county" else [])
    with session_scope(read=True) as session:
        rows = {str(r.code): r for r in session.execute(select(county.label("code"), *measures()).where(*where)
                                                        .group_by(county))}
        total = session.execute(select(*measures()).where(*where)).one()
    return rows, total


def industry_rows(actor: Actor, parent: str | None, scope: str = ALL, size: str | None = None) -> tuple[Row, list[Row]]:
    """Return (totals, one row per manufacturing division 13–43) inside ``parent`` (a city at most)."""
    parent = parent if parent is not None else actor.region_code
    _check_scope(actor, parent)
    node = region(parent) if parent else None
    if node is not None and node.level == "county":
        raise PermissionDenied("行业统计按市及以上范围汇总；区县请查看上级市的行业统计。")
    t = stat_industry.c
    where = [t.scope == scope, t.level == (node.level if node else "nation"), t.region_code == (parent or "")]
    rows, total = _read(stat_industry, where + ([t.size == size] if size else []), t.division_code)
    out = []
    for code in DIVISIONS:
        ind = industry(code)
        name = ind.name if ind else code
        out.append(_row(code, name, rows[code]) if code in rows else Row(code, name, 0, None, [0] * len(LEVELS)))
    return _row(parent or "100000", node.name if node else "全国", total), out


def summaries_empty(session: Session) -> bool:
    """Return True when completed diagnoses exist but the summaries hold nothing (e.g. after a migration)."""
    has_rows = session.scalar(select(stat_region.c.scope).limit(1)) is not None
    return not has_rows and session.scalar(select(Diagnosis.id).where(Diagnosis.status == "completed").limit(1)) is not None


def scopes() -> list[str]:
    """Return "all" and every year that has data, newest first."""
    with session_scope(read=True) as session:
        years = sorted({str(y) for y in session.scalars(select(stat_region.c.scope).distinct()
                                                        .where(stat_region.c.level == "province")) if y != ALL}, reverse=True)
    return [ALL, *years]
