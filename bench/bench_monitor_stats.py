"""Benchmark the monitoring statistics (services/stats/monitor_stats.py) at national scale.

Scale: 830,000 enterprises × 12 months ≈ 10,000,000 approved monthly reports. The dashboards never
read the reports, only the summary ``monitor_stat`` — so the summary is filled DIRECTLY, at the row
count that scale implies: every enterprise is placed in a county (weighted towards 江苏 / 浙江 / 广东 /
山东), a 门类 (weighted towards C 制造业, F 批发和零售业, …) and a size class; each month's county rows
are the distinct (county, 门类, size) cells those 830,000 enterprises occupy (n = enterprises in the
cell, indicator sums = n × a per-cell figure), and the city and province rows and every level's
marginal rows (all 门类 / all sizes) are summed from them, as the incremental updates would. Plus the 830,000 approved enterprises themselves (the reporting
rate's denominator counts them) and a realistic slice of real reports with their typed answer rows
(2,000 enterprises × 1 month, accepted) for the incremental update.

Times, median / p95 over 20 runs, for a national, a province (江苏), a city (南京) and a county (玄武)
administrator: each page-data call (region_figures / industry_figures / size_figures /
reporting_rates) and the whole page's data (the four together) — goal < 150 ms p95; and one
acceptance's incremental update (``on_moved``: contribution SELECT + one upsert of the report's
three region rows), +1 and −1, each in its own transaction.

    .venv/bin/python bench/bench_monitor_stats.py [--enterprises 830000] [--database-url URL | --postgres]
"""
from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import analyze, timed, with_database  # noqa: E402

MONTHS = 12
SLICE = 2000
SECTION_WEIGHTS = {"C": 30, "F": 25, "E": 8, "G": 5, "H": 6, "I": 4, "L": 6, "M": 4, "A": 3, "K": 2}  # others: 1


def _placement(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Return (county, 门类, size) of each of ``n`` enterprises."""
    from services.reference import industry_children, regions_at_level
    counties = [c.code for c in regions_at_level("county") if c.code[:2] not in ("71", "81", "82")]
    weights = [{"32": 9, "33": 8, "44": 8, "37": 6}.get(c[:2], 1) for c in counties]
    sections = [s.code for s in industry_children(None)]
    return list(zip(rng.choices(counties, weights, k=n),
                    rng.choices(sections, [SECTION_WEIGHTS.get(s, 1) for s in sections], k=n),
                    rng.choices(["大型", "中型", "小型", "微型"], [2, 13, 45, 40], k=n)))


def fill_organisations(places: list[tuple[str, str, str]]) -> None:
    """Insert the approved enterprises (bulk, at the driver)."""
    from db.base import utcnow
    from services.reference import industry_children, region_path
    division = {s.code: industry_children(s.code)[0].code for s in industry_children(None)}
    paths = {c: region_path(c) for c in {c for c, _, _ in places}}
    now = utcnow()
    columns = ["id", "kind", "name", "region_code", "province_code", "city_code", "county_code", "industry_code",
               "division_code", "size", "status", "details", "version", "created_at", "updated_at"]
    for i in range(0, len(places), 100_000):
        _bulk("organisation", columns, [
            (1_000_000 + j, "enterprise", f"统计{1_000_000 + j:07d}有限公司", county, paths[county].province_code,
             paths[county].city_code, paths[county].county_code, division[section], division[section], size, "approved",
             "{}", 1, now, now) for j, (county, section, size) in enumerate(places[i:i + 100_000], start=i)])


def fill_summary(places: list[tuple[str, str, str]], periods: list[str], rng: random.Random) -> int:
    """Insert the summary rows 830,000 enterprises × 12 months imply; return how many. The first month is
    built here (every occupied (county, 门类, size) cell and its city / province sums); each later month
    copies it in SQL with its own period and scaled sums (the enterprises stay where they are)."""
    from collections import Counter

    from sqlalchemy import func, insert, literal, select

    from db.engine import session_scope
    from db.monitor_stats import ALL, INDICATORS, MEASURES, monitor_stat
    from services.reference import region_path
    cells = Counter(places)
    path = {c: region_path(c) for c, _, _ in cells}
    first = periods[0]
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for (county, section, size), n in cells.items():
        p = path[county]
        base = rng.randint(500, 5000)
        figures = {"n": n}
        for k, ind in enumerate(INDICATORS):
            cur = n * base * 1000 * (k + 1)
            figures |= {f"{ind}_cur_m": cur, f"{ind}_cur_ytd": cur, f"{ind}_ly_m": cur * 95 // 100,
                        f"{ind}_ly_ytd": cur * 95 // 100}
        for level, code, parent in (("county", p.county_code or p.city_code, p.city_code),
                                    ("city", p.city_code, p.province_code), ("province", p.province_code, "")):
            for sec, sz in ((section, size), (section, ALL), (ALL, size), (ALL, ALL)):   # the cell and its marginals
                acc = rows.setdefault((level, code, sec, sz), {"parent_code": parent, **{x: 0 for x in MEASURES}})
                for x, v in figures.items():
                    acc[x] += v
    columns = ["period", "level", "region_code", "section", "size", "parent_code", *MEASURES]
    _bulk("monitor_stat", columns, [(first, lv, code, sec, sz, v["parent_code"], *[v[x] for x in MEASURES])
                                    for (lv, code, sec, sz), v in rows.items()])
    t = monitor_stat.c
    for m, period in enumerate(periods[1:], start=2):
        scaled = [t.n] + [(t[x] * (m if x.endswith("_ytd") else 1) * (100 + m) // 100) for x in MEASURES[1:]]
        with session_scope() as s:
            s.execute(insert(monitor_stat).from_select(columns, select(
                literal(period), t.level, t.region_code, t.section, t.size, t.parent_code, *scaled).where(t.period == first)))
        print(f"  {period}: {len(rows):,} summary rows", flush=True)
    return len(rows) * len(periods)


def _bulk(table: str, columns: list[str], batch: list[tuple[Any, ...]]) -> None:
    """Core bulk load at the driver: COPY on PostgreSQL, executemany of tuples on SQLite."""
    from db.engine import session_scope
    with session_scope() as s:
        raw = s.connection().connection.driver_connection
        if s.get_bind().dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", batch)


def fill_slice(places: list[tuple[str, str, str]], period: str) -> list[int]:
    """Insert SLICE real reports of ``period`` (responses, typed answer rows; status reviewing); return ids."""
    from sqlalchemy import func, insert, select

    from db.base import utcnow
    from db.engine import session_scope
    from db.forms import AnswerValue, FormResponse
    from db.monitor import MonitorReport
    from services.forms.definitions import published_version
    from tests.monitor.conftest import GOOD
    from tests.monitor.race import org_row, report_row, response_row
    version = published_version("sme_monthly_report")
    at = utcnow()
    with session_scope() as s:
        rid0 = (s.scalar(select(func.max(FormResponse.id))) or 0) + 1
        rep0 = (s.scalar(select(func.max(MonitorReport.id))) or 0) + 1
        orgs = [org_row(1_000_000 + j, places[j][0], "统计") for j in range(SLICE)]
        s.execute(insert(FormResponse), [response_row(rid0 + j, version, o["id"], period, "submitted", at)
                                         for j, o in enumerate(orgs)])
        s.execute(insert(MonitorReport), [report_row(rep0 + j, o, period, rid0 + j, "reviewing", None, "national", None,
                                                     True, at) for j, o in enumerate(orgs)])
        values = [{"response_id": rid0 + j, "version_id": version.id, "question": "ind", "path": f"ind.{row}.{cell}",
                   "num_value": v, "text_value": None}
                  for j in range(SLICE) for row, four in GOOD.items() for cell, v in zip(("cur_m", "cur_ytd", "ly_m", "ly_ytd"), four)]
        for i in range(0, len(values), 20_000):
            s.execute(insert(AnswerValue), values[i:i + 20_000])
    return list(range(rep0, rep0 + SLICE))


def actors() -> dict[str, Any]:
    from services.core.permissions import P_MONITOR_REVIEW, Actor
    perms = frozenset({P_MONITOR_REVIEW})
    return {"national": Actor(1, "bm_cn", "国家级", frozenset({"admin_national"}), perms),
            "province 江苏": Actor(2, "bm_js", "江苏", frozenset({"admin_province"}), perms, None, "320000", "province"),
            "city 南京": Actor(3, "bm_nj", "南京", frozenset({"admin_city"}), perms, None, "320100", "city"),
            "county 玄武": Actor(4, "bm_xw", "玄武", frozenset({"admin_county"}), perms, None, "320102", "county")}


def main() -> None:
    with_database("bench_monitor_stats", 830_000, run)


def run(url: str, enterprises: int) -> None:
    from sqlalchemy import func, select

    from db.engine import configure, session_scope
    from db.monitor import MonitorReport
    from db.monitor_stats import monitor_stat
    from services.core.bootstrap import init_db
    from services.forms import definitions, responses
    from services.monitor.reports import current_period
    from services.stats import monitor_stats as ms
    configure(url)
    init_db(url)
    definitions.sync_specs()
    rng = random.Random(18)
    periods = [current_period()]
    while len(periods) < MONTHS:
        periods.insert(0, responses.previous_period(periods[0]))
    start = time.perf_counter()
    places = _placement(enterprises, rng)
    fill_organisations(places)
    print(f"{enterprises:,} enterprises inserted in {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    rows = fill_summary(places, periods, rng)
    print(f"{rows:,} summary rows ({enterprises:,} enterprises × {MONTHS} months = {enterprises * MONTHS:,} reports) "
          f"in {time.perf_counter() - start:.0f} s", flush=True)
    ids = fill_slice(places, periods[-1])
    analyze(url)
    with session_scope(read=True) as s:
        print(f"summary rows in the table: {s.scalar(select(func.count()).select_from(monitor_stat)):,}")
    period = periods[-1]
    print(f"\n{'dialect':10} {'who':14} {'query':20} {'median ms':>10} {'p95 ms':>10}")
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    worst = 0.0
    for who, actor in actors().items():
        calls = {"region_figures": lambda a=actor: ms.region_figures(a, None, period),
                 "industry_figures": lambda a=actor: ms.industry_figures(a, None, period),
                 "size_figures": lambda a=actor: ms.size_figures(a, None, period),
                 "reporting_rates": lambda a=actor: ms.reporting_rates(a, None, period)}
        def page(a: Any = actor) -> None:  # what pages/stats/monitor_stats.py asks for, in the same way
            figures = ms.region_figures(a, None, period)
            ms.industry_figures(a, None, period), ms.size_figures(a, None, period)
            ms.reporting_rates(a, None, period, figures)
        calls["whole page"] = page
        for name, fn in calls.items():
            fn()  # warm
            median, p95 = timed(fn)
            worst = max(worst, p95) if name != "whole page" else worst
            print(f"{dialect:10} {who:14} {name:20} {median:10.1f} {p95:10.1f}", flush=True)
    print(f"worst single query p95: {worst:.1f} ms (goal < 150 ms)")
    for parent in (None, "320000"):   # the reporting rate's enterprise counts when not yet kept (first view)
        ms.clear_expected_cache()
        median, p95 = timed(lambda p=parent: (ms.clear_expected_cache(), ms._count_expected(p)), repeat=5)
        print(f"{dialect:10} enterprise counts uncached ({parent or '全国'}): median {median:.1f} ms, p95 {p95:.1f} ms")

    it = iter(ids)

    def accept_one() -> None:
        with session_scope() as s:
            report = s.get(MonitorReport, next(it))
            report.status = "accepted"
            ms.on_moved(s, report, "reviewing")

    def return_one(rid: int) -> None:
        with session_scope() as s:
            report = s.get(MonitorReport, rid)
            report.status = "returned"
            ms.on_moved(s, report, "accepted")

    median, p95 = timed(accept_one)
    print(f"{dialect:10} incremental +1 (one acceptance: report update + contribution + upsert) "
          f"median {median:.1f} ms, p95 {p95:.1f} ms")
    back = iter(ids[:20])
    median, p95 = timed(lambda: return_one(next(back)))
    print(f"{dialect:10} incremental −1 (退回 of an accepted report) median {median:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
