"""Monitoring statistics from the summary table (db/monitor_stats.py).

A report counts while its status is ``accepted`` (审核通过: the national administrator's 接收（终审）,
one by one or 一键接收 — specs/workflows/monitor_report.yaml). It enters with ``final_accept`` /
``bulk_final_accept`` and leaves only with ``return`` (the national administrator's 退回 of an
accepted report); an accepted report cannot be frozen (冻结 starts from editing / returned /
unfrozen), so 冻结 / 解除冻结 never touch the summary. ``on_moved`` (called by
services.monitor.workflow inside the transaction that changes the state) adds +1 / −1 × the
report's contribution with one prepared INSERT … ON CONFLICT DO UPDATE; ``rebuild`` recomputes the
table. Both read the contribution through the same statement (``contributions``), so they agree to
the unit.

Page data (jurisdiction-scoped): indicators by child region (the map), by 门类 and by size, for a
month (本年本月) and year to date (本年1-本月, as reported in that month's reports); growth on the same
period of last year from the reports' own 上年本月 / 上年1-本月 (the same enterprises, as the monitoring
system computes 同比), None when last year's sum is 0; reporting rate per region = approved reports
of the month / approved enterprises registered in the region (未报送企业查询 uses the same population).
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Table, and_, case, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.engine import get_engine, session_scope
from db.forms import AnswerValue
from db.monitor import MonitorReport
from db.monitor_stats import ALL, CELLS, INDICATORS, MATRIX, MEASURES, UNIT, monitor_stat
from db.organisation import Organisation
from services.core import audit
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.reference import industry_children, region, region_children, region_path
from services.stats.cmmm_stats import SIZES, region_keys

COUNTED = "accepted"  # the state in which a report counts (审核通过)
KEY = [c.name for c in monitor_stat.primary_key.columns]


# --- the contribution of reports --------------------------------------------------------------
@lru_cache(maxsize=1)
def _sections() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((s.code, tuple(d.code for d in industry_children(s.code))) for s in industry_children(None))


def section_of(division: str | None) -> str:
    """Return the 门类 letter of a 大类 code ("" unknown)."""
    return next((s for s, divisions in _sections() if division in divisions), "")


def _section_expr() -> Any:
    return case(*[(MonitorReport.division_code.in_(divs), s) for s, divs in _sections()], else_="")


def contributions(where: Iterable[Any]) -> Any:
    """SELECT (period, province, city, county, section, size, n, every measure) of the reports matching
    ``where``, grouped by that finest key: what they add to the summary. Shared by the incremental
    updates and the rebuild so the two give the same integers."""
    av = AnswerValue
    paths = [f"{MATRIX}.{row}.{cell}" for row in INDICATORS for cell in CELLS]
    value = cast(func.round(av.num_value * UNIT), BigInteger)
    sums = [func.coalesce(func.sum(case((av.path == f"{MATRIX}.{row}.{cell}", value), else_=0)), 0).label(f"{row}_{cell}")
            for row in INDICATORS for cell in CELLS]
    keys = [MonitorReport.period, func.coalesce(MonitorReport.province_code, ""), func.coalesce(MonitorReport.city_code, ""),
            func.coalesce(MonitorReport.county_code, ""), _section_expr(), func.coalesce(MonitorReport.size, "")]
    return (select(*keys, func.count(MonitorReport.id.distinct()).label("n"), *sums)
            .select_from(MonitorReport)
            .outerjoin(av, and_(av.response_id == MonitorReport.response_id, av.question == MATRIX, av.path.in_(paths)))
            .where(*where).group_by(*keys))


Deltas = dict[tuple[str, ...], dict[str, Any]]  # summary key (KEY order) → {"parent_code", measure deltas}


def _add(deltas: Deltas, rows: Iterable[Any], sign: int) -> None:
    for r in rows:
        period, province, city, county, section, size = (str(x) for x in r[:6])
        measures = dict(zip(MEASURES, (int(x or 0) for x in r[6:])))
        for key in region_keys(province or None, city or None, county or None):
            for sec, sz in ((section, size), (section, ALL), (ALL, size), (ALL, ALL)):
                k = (period, key["level"], key["region_code"], sec, sz)
                acc = deltas.setdefault(k, {"parent_code": key["parent_code"], **{m: 0 for m in MEASURES}})
                for m, v in measures.items():
                    acc[m] += sign * v


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Any:
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(monitor_stat)
    return ins.on_conflict_do_update(index_elements=KEY, set_={m: monitor_stat.c[m] + ins.excluded[m] for m in MEASURES})


def _write(session: Session, deltas: Deltas) -> None:
    rows = [dict(zip(KEY, k)) | v for k, v in deltas.items() if any(v[m] for m in MEASURES)]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)


def _count(session: Session, where: list[Any], sign: int) -> None:
    deltas: Deltas = {}
    _add(deltas, session.execute(contributions(where)), sign)
    _write(session, deltas)


def on_moved(session: Session, report: MonitorReport, was: str) -> None:
    """Keep the summary current after one report moved from state ``was`` (same transaction)."""
    now = report.status
    if was != COUNTED and now == COUNTED:
        org = session.get(Organisation, report.org_id)
        report.size = org.size if org is not None else None  # the size it is counted under, kept for its −1
        session.flush()
        _count(session, [MonitorReport.id == report.id], +1)
    elif was == COUNTED and now != COUNTED:
        _count(session, [MonitorReport.id == report.id], -1)


def on_moved_many(session: Session, ids: list[int], to_state: str) -> None:
    """The set-based version for 一键接收: every report in ``ids`` has just entered ``to_state``."""
    if to_state != COUNTED or not ids:
        return
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        size = select(Organisation.size).where(Organisation.id == MonitorReport.org_id).scalar_subquery()
        session.execute(update(MonitorReport).where(MonitorReport.id.in_(chunk)).values(size=size)
                        .execution_options(synchronize_session=False))
        _count(session, [MonitorReport.id.in_(chunk)], +1)


def rebuild(session: Session) -> None:
    """Recompute the whole summary from the accepted reports (in the caller's transaction)."""
    session.execute(delete(monitor_stat))
    deltas: Deltas = {}
    _add(deltas, session.execute(contributions([MonitorReport.status == COUNTED])), +1)
    rows = [dict(zip(KEY, k)) | v for k, v in deltas.items() if v["n"]]
    for i in range(0, len(rows), 5000):
        session.execute(monitor_stat.insert(), rows[i:i + 5000])


def summary_empty(session: Session) -> bool:
    """True when accepted reports exist but the summary holds nothing (e.g. after the migration)."""
    return (session.scalar(select(monitor_stat.c.n).limit(1)) is None and
            session.scalar(select(MonitorReport.id).where(MonitorReport.status == COUNTED).limit(1)) is not None)


def needs_rebuild() -> bool:
    with session_scope(read=True) as s:
        return summary_empty(s)


def rebuild_summary(actor: Actor, request_id: str | None = None) -> None:
    """重建统计汇总 (national administrators): one transaction, audited."""
    require(actor, P_MONITOR_REVIEW)
    if actor.region_code is not None:
        raise PermissionDenied("只有国家级管理员可以重建统计汇总。")
    with session_scope() as s:
        if audit.replayed(s, request_id):
            return
        rebuild(s)
        audit.record(s, actor.account_id, "monitor.stats_rebuild", "monitor_stat", None, {}, request_id=request_id)


# --- page data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """One region's (or 门类's, or size's) sums: ``values`` in 1/UNIT of each indicator's unit."""
    code: str
    name: str
    n: int
    values: dict[str, int] = field(default_factory=dict)

    def value(self, indicator: str, ytd: bool = False) -> float:
        """本年本月 (or 本年1-本月) sum of an indicator, in its unit."""
        return self.values.get(f"{indicator}_{'cur_ytd' if ytd else 'cur_m'}", 0) / UNIT

    def last_year(self, indicator: str, ytd: bool = False) -> float:
        return self.values.get(f"{indicator}_{'ly_ytd' if ytd else 'ly_m'}", 0) / UNIT

    def growth(self, indicator: str, ytd: bool = False) -> float | None:
        """同比增长 (%) on the same period of last year; None when last year's sum is 0."""
        last = self.values.get(f"{indicator}_{'ly_ytd' if ytd else 'ly_m'}", 0)
        if not last:
            return None
        return (self.values.get(f"{indicator}_{'cur_ytd' if ytd else 'cur_m'}", 0) - last) * 100 / last


@dataclass(frozen=True)
class Rate:
    code: str
    name: str
    reports: int
    expected: int

    @property
    def rate(self) -> float | None:
        """报送率 (%): approved reports / approved enterprises; None without enterprises."""
        return self.reports * 100 / self.expected if self.expected else None


def _check(actor: Actor, parent: str | None, period: str) -> tuple[str | None, Any]:
    require(actor, P_MONITOR_REVIEW)
    if not (len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit()
            and 1 <= int(period[5:]) <= 12):
        raise ValidationFailed({"月份": ["月份：格式应为 YYYY-MM。"]})
    parent = parent if parent is not None else actor.region_code
    if parent is None:
        if actor.region_code is not None:
            raise PermissionDenied("无权查看全国统计：超出您的管辖范围。")
        return None, None
    node = region(parent)
    if node is None:
        raise ValidationFailed({"地区": ["地区：请选择有效的行政区划。"]})
    if not in_jurisdiction(actor, region_path(parent)):
        raise PermissionDenied("无权查看该地区统计：超出您的管辖范围。")
    return parent, node


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(monitor_stat.c[m]), 0).label(m) for m in MEASURES]


def _figures(code: str, name: str, r: Any) -> Figures:
    if r is None:
        return Figures(code, name, 0, {})
    return Figures(code, name, int(r.n or 0), {m: int(getattr(r, m) or 0) for m in MEASURES[1:]})


def _own_rows(parent: str | None, node: Any) -> list[Any]:
    """WHERE clause of the summary rows that make up the parent's own totals."""
    t = monitor_stat.c
    if parent is None:
        return [t.level == "province"]
    return [t.level == node.level, t.region_code == parent]


def region_figures(actor: Actor, parent: str | None, period: str) -> tuple[Figures, list[Figures]]:
    """Return (the parent's totals, one row per child region) for the month: nation → provinces → cities →
    counties (a county shows itself)."""
    parent, node = _check(actor, parent, period)
    t = monitor_stat.c
    level = node.level if node else None
    children = [node] if level == "county" else list(region_children(parent))
    where = [t.period == period, t.section == ALL, t.size == ALL]
    if level == "county":
        where += [t.level == "county", t.region_code == parent]
    else:
        where += [t.level == {None: "province", "province": "city", "city": "county"}[level], t.parent_code == (parent or "")]
    with session_scope(read=True) as s:
        rows = {str(r.code): r for r in s.execute(select(t.region_code.label("code"), *_sums()).where(*where)
                                                  .group_by(t.region_code))}
        total = s.execute(select(*_sums()).where(t.period == period, t.section == ALL, t.size == ALL,
                                                 *_own_rows(parent, node))).one()
    return (_figures(parent or "100000", node.name if node else "全国", total),
            [_figures(c.code, c.name, rows.get(c.code)) for c in children])


def _grouped(actor: Actor, parent: str | None, period: str, column: str) -> dict[str, Any]:
    """The parent's rows by 门类 (``column`` "section") or by size: its marginal rows (the other key "*")."""
    parent, node = _check(actor, parent, period)
    t = monitor_stat.c
    other = t.size if column == "section" else t.section
    with session_scope(read=True) as s:
        return {str(r.code): r for r in s.execute(select(t[column].label("code"), *_sums())
                                                  .where(t.period == period, other == ALL, t[column] != ALL,
                                                         *_own_rows(parent, node))
                                                  .group_by(t[column]))}


def industry_figures(actor: Actor, parent: str | None, period: str) -> list[Figures]:
    """One row per GB/T 4754 门类 (A–T) inside ``parent`` for the month (plus 未知 when any)."""
    rows = _grouped(actor, parent, period, "section")
    out = [_figures(s.code, s.name, rows.get(s.code)) for s in industry_children(None)]
    return out + ([_figures("", "未知", rows[""])] if "" in rows else [])


def size_figures(actor: Actor, parent: str | None, period: str) -> list[Figures]:
    """One row per size class (大型/中型/小型/微型) inside ``parent`` for the month (plus 未知 when any)."""
    rows = _grouped(actor, parent, period, "size")
    return [_figures(z, z, rows.get(z)) for z in SIZES] + ([_figures("", "未知", rows[""])] if "" in rows else [])


EXPECTED_TTL = 600.0  # seconds a process keeps a region's enterprise counts (they change by registrations, slowly)
_expected: dict[tuple[str, str | None], tuple[float, dict[str, int]]] = {}


def reporting_rates(actor: Actor, parent: str | None, period: str,
                    figures: tuple[Figures, list[Figures]] | None = None) -> tuple[Rate, list[Rate]]:
    """Return (the parent's, one per child region) approved reports of the month / approved enterprises.
    ``figures``: ``region_figures`` of the same arguments when the caller has them already."""
    total, children = figures or region_figures(actor, parent, period)
    parent = parent if parent is not None else actor.region_code
    expected = _expected_counts(parent)
    rows = [Rate(c.code, c.name, c.n, expected.get(c.code, 0)) for c in children]
    return Rate(total.code, total.name, total.n, sum(expected.values())), rows


def _expected_counts(parent: str | None) -> dict[str, int]:
    """Return {child region: approved enterprises} inside ``parent`` (scope checked by the caller), counted
    from ix_organisation_reporting and kept ``EXPECTED_TTL`` seconds per process: the national count reads
    830,000 index entries (bench/bench_monitor_stats.py), too slow to repeat on every rerun."""
    now, key = time.monotonic(), (str(get_engine().url), parent)
    hit = _expected.get(key)
    if hit is not None and now - hit[0] < EXPECTED_TTL:
        return hit[1]
    counts = _count_expected(parent)
    _expected[key] = (now, counts)
    return counts


def clear_expected_cache() -> None:
    _expected.clear()


def _count_expected(parent: str | None) -> dict[str, int]:
    node = region(parent) if parent else None
    o = Organisation
    level = node.level if node else None
    col = {None: o.province_code, "province": o.city_code, "city": func.coalesce(o.county_code, o.city_code),
           "county": func.coalesce(o.county_code, o.city_code)}[level]
    where = [o.kind == "enterprise", o.status == "approved"]
    where += {None: [], "province": [o.province_code == parent], "city": [o.city_code == parent],
              "county": [func.coalesce(o.county_code, o.city_code) == parent]}[level]
    with session_scope(read=True) as s:
        return {str(code): int(k) for code, k in s.execute(select(col, func.count()).where(*where).group_by(col))}
