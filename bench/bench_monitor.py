"""Benchmark the monitoring review chain at national scale and print the numbers.

Generates N enterprises (default 100,000) × 12 monthly reports directly with insert(): one
administrator per county, city and province plus a national one (the review chain), and report
states by the month's age (older months mostly accepted; recent ones waiting at every level).
南京 and 无锡 enterprises' last two months wait for their city administrator. Then times:
- a reviewer's queue page (review.queue: first page + total) for a county, a city, a province and the
  national administrator, median and p95 over 20 runs (goal < 300 ms);
- 一键接收 of the 10,000 reports 南京's administrator holds from its counties (goal < 10 s; one
  transaction per 1,000 reports);
- a concurrency check: 无锡's administrator bulk-accepts while a second session returns some of the
  same reports; afterwards every report is either returned or moved exactly once (tests/monitor/race.py).

    .venv/bin/python bench/bench_monitor.py [--enterprises 100000] [--database-url URL | --postgres]

``--postgres`` starts a throw-away PostgreSQL cluster (initdb / pg_ctl, as the tests do).
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

HELD = {"320100": 5000, "320200": 2000}   # city → enterprises whose last two months wait for the city
PASSWORD = "Bench@2026x"


def make_admins() -> dict[str | None, int]:
    """One administrator per province, city and county, plus a national one; return region → account id."""
    from sqlalchemy import insert, select

    from db.account import Account, AccountRole
    from db.engine import session_scope
    from services.monitor.reviewers import sync_reviewers
    from services.identity.passwords import hash_password
    from services.core.permissions import ADMIN_ROLE_BY_LEVEL
    from services.reference import regions_at_level
    nodes = [n for level in ("province", "city", "county") for n in regions_at_level(level)
             if n.code[:2] not in ("71", "81", "82")]
    h = hash_password(PASSWORD)
    with session_scope() as s:
        c = s.connection()
        c.execute(insert(Account), [{"username": "bm_cn", "password_hash": h, "display_name": "国家级管理员",
                                     "region_code": None, "status": "active"}] +
                  [{"username": f"bm_{n.code}", "password_hash": h, "display_name": f"{n.name}管理员",
                    "region_code": n.code, "status": "active"} for n in nodes])
        ids = dict(c.execute(select(Account.region_code, Account.id).where(Account.username.like("bm_%"))).all())
        level = {n.code: n.level for n in nodes}
        c.execute(insert(AccountRole), [{"account_id": a, "role_code": ADMIN_ROLE_BY_LEVEL[level.get(code or "")]}
                                        for code, a in ids.items()])
    with session_scope() as s:
        sync_reviewers(s)
    return ids


def chains() -> tuple[dict[int, list[int]], dict[int, str]]:
    from sqlalchemy import select

    from db.engine import session_scope
    from db.monitor import MonitorReviewer
    with session_scope() as s:
        rows = {r.account_id: (r.parent_id, r.level) for r in s.scalars(select(MonitorReviewer))}
    out = {}
    for a in rows:
        chain = [a]
        while rows[chain[-1]][0] is not None:
            chain.append(rows[chain[-1]][0])  # type: ignore[arg-type]
        out[a] = chain
    return out, {a: lvl for a, (_, lvl) in rows.items()}


def generate(n: int, admins: dict[str | None, int], seed: int = 6) -> None:
    """Insert organisations, their direct reviewers and 12 months of reports, in chunks."""
    from sqlalchemy import insert

    from db.base import utcnow
    from db.engine import session_scope
    from db.forms import FormResponse
    from db.monitor import MonitorAssignment, MonitorReport
    from db.organisation import Organisation
    from services.forms import responses
    from services.forms.definitions import published_version
    from services.monitor import workflow
    from services.monitor.reports import current_period
    from services.reference import regions_at_level
    from tests.monitor.race import bump_sequences, held_history, org_row, report_row, response_row
    rng = random.Random(seed)
    counties = [c.code for c in regions_at_level("county") if c.code[:2] not in ("71", "81", "82")]
    weights = [{"32": 9, "33": 8, "44": 8, "37": 6}.get(c[:2], 1) for c in counties]
    direct = {c: admins[c] for c in counties}  # every county has its administrator
    chain, level = chains()
    version = published_version("sme_monthly_report")
    periods = [current_period()]
    while len(periods) < 12:
        periods.insert(0, responses.previous_period(periods[0]))
    others = [(c, w) for c, w in zip(counties, weights) if c[:4] + "00" not in HELD]  # held cities: only held ones
    plan: list[tuple[str | None, str]] = [(None, c) for c in rng.choices(
        [c for c, _ in others], [w for _, w in others], k=n - sum(HELD.values()))]
    for city, k in HELD.items():
        mine = [c for c in counties if c[:4] == city[:4]]
        plan += [(city, mine[i % len(mine)]) for i in range(k)]
    now, chunk, start = utcnow(), 10000, time.perf_counter()
    org_id, resp_id, rep_id = 1, 1, 1
    for first in range(0, len(plan), chunk):
        orgs, assign, resps, reps, hist = [], [], [], [], []
        for held_city, county in plan[first:first + chunk]:
            org = org_row(org_id, county, "基准", f"{rng.randrange(13, 44):02d}")
            orgs.append(org)
            reviewer = direct[county]
            assign.append({"org_id": org_id, "reviewer_id": reviewer})
            up = chain[reviewer]
            for age, period in zip(range(11, -1, -1), periods):
                status, j, screening = _state(age, len(up), rng) if held_city is None else \
                    ("held", 1, True) if age <= 1 else ("accepted", len(up) - 1, True)
                if status == "unfilled":
                    continue
                if status == "held":
                    hist += held_history(rep_id, reviewer, up[1], now)
                    status = "reviewing"
                holder = up[j] if status in ("reviewing", "accepted") else None
                approved = status == "accepted" or (status == "reviewing" and j > 0)
                resps.append(response_row(resp_id, version, org_id, period, _response_status(status, approved), now))
                reps.append(report_row(rep_id, org, period, resp_id, status, holder, level.get(holder or 0),
                                       None if status == "editing" else reviewer, approved, now,
                                       None if status == "editing" else screening))
                resp_id, rep_id = resp_id + 1, rep_id + 1
            org_id += 1
        with session_scope() as s:
            c = s.connection()
            for table, rows in ((Organisation, orgs), (MonitorAssignment, assign), (FormResponse, resps),
                                (MonitorReport, reps)):
                if rows:
                    c.execute(insert(table), rows)
            workflow.seed(c, reps, hist)   # the reports' workflow instances and their history
        done = min(len(plan), first + chunk)
        sys.stdout.write(f"\rgenerating {done:,}/{len(plan):,} enterprises, {rep_id - 1:,} reports "
                         f"({(rep_id - 1) / (time.perf_counter() - start):,.0f} reports/s)")
        sys.stdout.flush()
    print()
    bump_sequences(["organisation", "form_response", "monitor_report"])


def _state(age: int, levels: int, rng: random.Random) -> tuple[str, int, bool]:
    """Return (status, index of the holder in the chain, passed screening) for a month ``age`` months old."""
    screening = rng.random() < 0.9
    r = rng.random()
    top = levels - 1
    if age == 0:
        if r < 0.25:
            return "unfilled", 0, screening
        if r < 0.40:
            return "editing", 0, screening
        if r < 0.90:
            return "reviewing", rng.choices(range(levels), [5, 2, 2, 1][:levels])[0], screening
        return ("returned", 0, screening) if r < 0.95 else ("accepted", top, screening)
    if age <= 2:
        if r < 0.03:
            return "editing", 0, screening
        if r < 0.07:
            return "returned", 0, screening
        return ("reviewing", rng.randrange(levels), screening) if r < 0.40 else ("accepted", top, screening)
    if r < 0.01:
        return "editing", 0, screening
    if r < 0.03:
        return "returned", 0, screening
    return ("reviewing", top, screening) if r < 0.05 else ("accepted", top, screening)


_STATUS: dict[tuple[str, bool], str] = {}


def _response_status(status: str, approved: bool) -> str:
    """workflow.response_status for a (status, approved) pair, remembered (building mapped objects is slow)."""
    if (status, approved) not in _STATUS:
        from db.monitor import MonitorReport
        from services.monitor.workflow import response_status
        _STATUS[(status, approved)] = response_status(MonitorReport(status=status, approved=approved))
    return _STATUS[(status, approved)]


def busiest(level: str) -> tuple[int, int] | None:
    """Return (administrator, waiting reports) of the administrator at ``level`` with the longest
    queue, or None when nobody at that level has reports waiting (tiny runs)."""
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.monitor import MonitorReport
    with session_scope() as s:
        row = s.execute(select(MonitorReport.holder_id, func.count()).where(
            MonitorReport.status == "reviewing", MonitorReport.holder_level == level)
            .group_by(MonitorReport.holder_id).order_by(func.count().desc()).limit(1)).first()
        return None if row is None else (int(row[0] or 0), int(row[1]))


def main() -> None:
    with_database("bench_monitor", 100_000, run)


def run(url: str, enterprises: int) -> None:
    from sqlalchemy import select

    from db.account import Account
    from db.engine import configure, session_scope
    from db.monitor import MonitorReport, MonitorReviewer
    from services.core.bootstrap import init_db
    from services.monitor import review
    from services.monitor.review import QueueFilter
    from tests.factories import actor_of
    from tests.monitor.race import race, verify
    configure(url)
    init_db(url)
    start = time.perf_counter()
    admins = make_admins()
    generate(enterprises, admins)
    analyze(url)
    print(f"database: {url.split('@')[-1]}; {enterprises:,} enterprises × 12 months generated in "
          f"{time.perf_counter() - start:.0f} s")
    with session_scope() as s:
        name = dict(s.execute(select(Account.id, Account.username)).all())
    for level in ("county", "city", "province", "national"):
        found = (admins["320000"], 0) if level == "province" else busiest(level)
        if found is None:
            print(f"queue page [{level}]: no reports waiting at this level")
            continue
        holder, waiting = found
        actor = actor_of(name[holder], PASSWORD)
        total = review.queue(actor)[0]
        med, p95 = timed(lambda: review.queue(actor), 20)
        print(f"queue page [{level} {actor.region_code or '全国'}, {total:,} waiting]: median {med:.1f} ms, p95 {p95:.1f} ms")
    national = actor_of("bm_cn", PASSWORD)
    med, p95 = timed(lambda: review.queue(national, QueueFilter(status="all", keyword="基准0012")), 20)
    print(f"queue page [national, all statuses, keyword]: median {med:.1f} ms, p95 {p95:.1f} ms")
    with session_scope() as s:  # 一键接收 granted to both city administrators
        for city in HELD:
            s.get(MonitorReviewer, admins[city]).bulk_accept = True  # type: ignore[union-attr]
    nanjing = actor_of("bm_320100", PASSWORD)
    start = time.perf_counter()
    moved = review.bulk_accept(nanjing)
    print(f"一键接收 by 南京: {moved:,} reports in {time.perf_counter() - start:.1f} s (one transaction per 1,000)")
    wuxi = actor_of("bm_320200", PASSWORD)
    with session_scope() as s:
        ids = list(s.scalars(select(MonitorReport.id).where(MonitorReport.holder_id == admins["320200"],
                                                            MonitorReport.status == "reviewing").order_by(MonitorReport.id)))
    result = race(wuxi, actor_of("bm_320200", PASSWORD), ids, ids[::-1][::10][:400], pause=0.002)
    counts = verify(ids, result, admins["320200"], admins["320000"])
    print(f"concurrency (无锡: 一键接收 while the holder returns 400 of the same reports, {result.seconds:.1f} s): "
          f"{counts['moved']:,} moved + {counts['returned']} returned = {counts['reports']:,}; "
          f"{counts['refused']} returns refused (already passed on); no report lost or moved twice")


if __name__ == "__main__":
    main()
