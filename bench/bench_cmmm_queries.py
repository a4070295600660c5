"""Re-time the record queries on an existing benchmark database (see bench_cmmm.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import timed  # noqa: E402


def run_queries() -> None:
    from services.cmmm import admin
    from tests.factories import make_admin
    import secrets
    tag = secrets.token_hex(3)
    national, jiangsu, nanjing = (make_admin(None, f"bq_cn_{tag}"), make_admin("320000", f"bq_js_{tag}"),
                                  make_admin("320100", f"bq_nj_{tag}"))
    cases = [("national, province 江苏 + level 2", national, admin.Filters(region_code="320000", level=2)),
             ("province admin 江苏, level 1", jiangsu, admin.Filters(level=1)),
             ("province admin 江苏, keyword", jiangsu, admin.Filters(keyword="基准企业00012")),
             ("city admin 南京, no filter", nanjing, admin.Filters()),
             ("national, year 2024, no level", national, admin.Filters(year_from=2024, year_to=2024)),
             ("national, industry 34 + level 3", national, admin.Filters(industry_code="34", level=3))]
    for label, actor, f in cases:
        total, _ = admin.query_records(actor, f)
        med, p95 = timed(lambda: admin.query_records(actor, f), 9)
        print(f"record query page + count [{label}]: {total:,} matches; median {med:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    from db.engine import configure
    configure(sys.argv[1])
    run_queries()
