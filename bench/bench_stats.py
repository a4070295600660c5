"""Benchmark the statistics layer at national scale and print the numbers.

Generates N completed diagnoses (bench_cmmm.generate), sets the latest flags, then times:
a full rebuild of the summaries; each page's data (nation → provinces, one province → cities,
one city → counties, the industry page); the incremental summary update of one completion.
Goals (issue 5): page data < 50 ms median / 150 ms p95; incremental update < 50 ms; rebuild < 10 s.
HUIQI_BENCH_SKIP_REBUILD=1 skips the timed rebuild when reusing a filled database.

    .venv/bin/python bench/bench_stats.py [--diagnoses 1000000] [--database-url …]
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import timed  # noqa: E402


class _Undo(Exception):
    pass


def main() -> None:
    from bench_cmmm import national_database
    from sqlalchemy import select

    from db.cmmm import Diagnosis
    from db.engine import session_scope
    from services.stats import cmmm_stats
    from tests.factories import make_admin
    national_database("bench_stats", flag_latest=True)
    if not os.environ.get("HUIQI_BENCH_SKIP_REBUILD"):
        start = time.perf_counter()
        cmmm_stats.rebuild_all()
        print(f"full rebuild of the summaries: {time.perf_counter() - start:.1f} s")
    tag = str(int(time.time()))  # fresh accounts when the database is reused
    national, jiangsu, nanjing = (make_admin(None, f"bs_cn{tag}"), make_admin("320000", f"bs_js{tag}"),
                                  make_admin("320100", f"bs_nj{tag}"))
    for label, fn in [("nation → provinces", lambda: cmmm_stats.region_rows(national, None)),
                      ("province 江苏 → cities", lambda: cmmm_stats.region_rows(jiangsu, None)),
                      ("city 南京 → counties", lambda: cmmm_stats.region_rows(nanjing, None)),
                      ("city 南京 → counties, industry 34 (from diagnoses)",
                       lambda: cmmm_stats.region_rows(nanjing, None, division="34")),
                      ("city 南京 → counties, industry 34, year 2024",
                       lambda: cmmm_stats.region_rows(nanjing, None, "2024", division="34")),
                      ("nation, year 2024", lambda: cmmm_stats.region_rows(national, None, "2024")),
                      ("industry page, nation", lambda: cmmm_stats.industry_rows(national, None)),
                      ("industry page, 江苏", lambda: cmmm_stats.industry_rows(jiangsu, None)),
                      ("nation, size 小型", lambda: cmmm_stats.region_rows(national, None, size="小型")),
                      ("industry page, nation, size 中型", lambda: cmmm_stats.industry_rows(national, None, size="中型"))]:
        med, p95 = timed(fn, 20)
        print(f"page data [{label}]: median {med:.1f} ms, p95 {p95:.1f} ms")
    with session_scope() as s:
        d = s.scalar(select(Diagnosis).where(Diagnosis.is_latest.is_(True)).limit(1))
        assert d is not None
        did = d.id

    from db.engine import get_sessionmaker

    def incremental() -> None:
        s = get_sessionmaker()()
        try:
            with s.begin():
                row = s.get(Diagnosis, did)
                assert row is not None
                cmmm_stats.on_completed(s, row)
                s.flush()
                raise _Undo  # measure the update, keep the data unchanged
        except _Undo:
            pass
        finally:
            s.close()
    med, p95 = timed(incremental, 20)
    print(f"incremental summary update of one completion: median {med:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
