"""Benchmark the self-diagnosis record query and export at national scale, and print the numbers.

Generates N completed diagnoses (default 1,000,000; about 12% of enterprises also have an older,
superseded one) across real counties and the 31 manufacturing divisions, then times:
- the record query page (first page + total count) filtered by province and level, as a national
  and as a province administrator, and unfiltered at city level;
- the Excel export of ~100,000 records × 20 columns (time and peak memory).
Goals (issue 4): query page < 300 ms on SQLite and PostgreSQL; export < 5 s, memory not growing with rows.

    .venv/bin/python bench/bench_cmmm.py [--diagnoses 1000000] [--database-url postgresql+psycopg://…]
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")




def generate(n: int, seed: int = 1) -> None:
    """Insert organisations, responses and diagnoses in bulk."""
    from sqlalchemy import insert, select

    from db.cmmm import Diagnosis
    from db.engine import session_scope
    from db.forms import FormResponse, FormVersion
    from db.organisation import Organisation
    from services.cmmm.demo import TARGETS
    from services.forms.definitions import published_version
    from services.reference import region_path, regions_at_level
    from services.core.rules import CREDIT_CHARSET, credit_code_for

    rng = random.Random(seed)
    counties = [c for c in regions_at_level("county") if c.code[:2] not in ("71", "81", "82")]
    paths = [(c.code, region_path(c.code)) for c in counties]
    weights = [{"32": 9, "33": 8, "44": 8, "37": 6}.get(c.code[:2], 1) for c in counties]
    cum = list(itertools.accumulate(weights))  # what choices() would rebuild on every call; same draws
    version = published_version("cmmm_self_diagnosis")
    with session_scope() as s:
        v = s.get(FormVersion, version.id)
        assert v is not None
        definition_id = v.definition_id
        next_org = (s.scalar(select(Organisation.id).order_by(Organisation.id.desc()).limit(1)) or 0) + 1
    levels, level_w = [t for t, _ in TARGETS], [w for _, w in TARGETS]
    orgs_needed = int(n / 1.12)
    chunk = 20000
    made, org_id, resp_id, start = 0, next_org, 1, time.perf_counter()
    base = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    while made < n:
        orgs, resps, diags = [], [], []
        for _ in range(min(chunk, orgs_needed - (org_id - next_org))) if org_id - next_org < orgs_needed else []:
            code, p = rng.choices(paths, cum_weights=cum)[0]
            div = f"{rng.randrange(13, 44):02d}"
            credit = credit_code_for(code, "".join(rng.choice(CREDIT_CHARSET) for _ in range(8)))
            orgs.append({"id": org_id, "kind": "enterprise", "name": f"基准企业{org_id:07d}有限公司",
                         "credit_code": credit, "region_code": code,
                         "province_code": p.province_code, "city_code": p.city_code, "county_code": p.county_code,
                         "division_code": div, "industry_code": div, "size": rng.choice("大中小微小微微"),
                         "status": "approved", "details": {}, "version": 1})
            runs = 2 if rng.random() < 0.12 else 1
            for k in range(runs):
                if made >= n:
                    break
                at = base + dt.timedelta(days=rng.randrange(0, 2100), seconds=rng.randrange(86400))
                level = rng.choices(levels, level_w)[0]
                total = round(level + rng.uniform(0.0, 0.79), 4) if level else round(rng.uniform(0, 0.79), 4)
                resps.append({"id": resp_id, "version_id": version.id, "definition_id": definition_id, "org_id": org_id,
                              "period": "", "status": "submitted", "current_section": "", "warnings": [],
                              "created_at": at, "updated_at": at, "submitted_at": at})
                diags.append({"response_id": resp_id, "org_id": org_id, "status": "completed", "current_section": "done",
                              "tailoring": [], "month": at.strftime("%Y-%m"), "started_at": at, "completed_at": at,
                              "year": at.year, "total_score": total, "level": level,
                              "level_scores": {f"level{i}": "0.9" for i in range(1, level + 1)}, "domain_scores": {},
                              "group_scores": {}, "province_code": p.province_code, "city_code": p.city_code,
                              "county_code": p.county_code, "division_code": div, "size": orgs[-1]["size"],
                              "is_latest": k == runs - 1,
                              **{f"d{i}": rng.randrange(10_001) for i in range(12)},  # db.stats.UNIT
                              **{f"s{i}": rng.randrange(10_001) if rng.random() < 0.9 else None for i in range(20)}})
                resp_id += 1
                made += 1
            org_id += 1
        if not orgs:
            break
        with session_scope() as s:  # Core inserts on the tables: one executemany per table. (The ORM's
            c = s.connection()      # bulk insert groups rows by which values are None — one INSERT per row here.)
            c.execute(insert(Organisation.__table__), orgs)
            c.execute(insert(FormResponse.__table__), resps)
            c.execute(insert(Diagnosis.__table__), diags)
        sys.stdout.write(f"\rgenerating {made:,}/{n:,} ({made / (time.perf_counter() - start):,.0f}/s)")
        sys.stdout.flush()
    print()


from _timing import analyze, indexes_deferred, timed  # noqa: E402


def national_database(name: str, flag_latest: bool = False) -> str:
    """Parse --diagnoses / --database-url, generate the rows, ANALYZE; return the database URL.

    Shared by bench_cmmm.py and bench_stats.py.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("--diagnoses", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    from db.engine import configure, session_scope
    from services.core.bootstrap import init_db
    from services.cmmm.demo import refresh_latest
    configure(url)
    init_db(url)
    start = time.perf_counter()
    from sqlalchemy import func, select

    from db.cmmm import Diagnosis
    with session_scope() as s:
        have = s.scalar(select(func.count()).select_from(Diagnosis)) or 0
    if have >= args.diagnoses:  # a database given with --database-url that is already filled
        print(f"database: {url.split('@')[-1]}; reusing {have:,} diagnoses")
    else:
        with indexes_deferred(("organisation", "form_response", "cmmm_diagnosis")):  # built once, at the end
            generate(args.diagnoses)
        if flag_latest:
            with session_scope() as s:
                refresh_latest(s)
        print(f"database: {url.split('@')[-1]}; generated {args.diagnoses:,} diagnoses in {time.perf_counter() - start:.0f} s")
    analyze(url)
    return url


def main() -> None:
    national_database("bench_cmmm")
    from services.cmmm import admin
    from tests.factories import make_admin
    from bench_cmmm_queries import run_queries
    run_queries()
    national = make_admin(None, "bench_export")
    export_filter = admin.Filters(region_code="320000")
    total, _ = admin.query_records(national, export_filter)
    start = time.perf_counter()
    data = admin.export_records(national, export_filter)
    took = time.perf_counter() - start
    tracemalloc.start()  # a second run, traced (tracing slows Python down, so it is not timed)
    admin.export_records(national, export_filter)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"export {total:,} rows × {len(admin.EXPORT_COLUMNS)} columns: {took:.1f} s, file {len(data) / 1e6:.1f} MB, "
          f"peak traced Python memory {peak / 1e6:.0f} MB (the file itself is built on disk)")


if __name__ == "__main__":
    main()
