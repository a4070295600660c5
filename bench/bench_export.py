"""Export of ~100,000 self-diagnosis records × 20 columns through the list engine (issue 15).

On an existing benchmark database (bench_cmmm.py / bench_stats.py with --database-url), picks the
province whose record count is closest to --rows, then times, for a national administrator:
* the product's export: ``services.lists.export(actor, "cmmm_records", {"region": code})`` — the path every
  admin list's 导出 takes (rows read in chunks inside a read transaction, streamed .xlsx writer);
  wall time, CPU time, peak traced Python memory (a second, untimed run), and that the file holds
  exactly the on-screen total;
* the baseline a user would write: ``pandas.read_sql`` of the same rows and ``DataFrame.to_excel``
  (openpyxl), wall time and peak traced memory (skip with --no-pandas: it takes minutes).

    .venv/bin/python bench/bench_export.py --database-url sqlite:////path/bench.db [--rows 100000] [--no-pandas]
"""
from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")


def _rows_in(xlsx: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return len(re.findall(rb"<row[ >]", z.read("xl/worksheets/sheet1.xml"))) - 1  # the header row


def _max_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-pandas", action="store_true")
    ap.add_argument("--nation", action="store_true", help="export every record (a national administrator, no region filter)")
    args = ap.parse_args()
    from sqlalchemy import func, select

    from db.cmmm import Diagnosis
    from db.engine import configure, get_engine, session_scope
    from services import lists
    from services.cmmm import admin
    from tests.factories import make_admin
    configure(args.database_url)
    with session_scope(read=True) as s:
        counts = s.execute(select(Diagnosis.province_code, func.count()).where(Diagnosis.status == "completed")
                           .group_by(Diagnosis.province_code)).all()
    code = None if args.nation else min(counts, key=lambda r: abs(r[1] - args.rows))[0]
    national = make_admin(None, f"bx_{int(time.time())}")
    values = {"region": code} if code else {}
    total = lists.page(national, "cmmm_records", values).total
    cols = len(lists.export_columns(lists.declaration("cmmm_records")))
    print(f"{'province ' + code if code else 'the nation'}: {total:,} records × {cols} columns")

    wall, cpu = time.perf_counter(), time.process_time()
    data = lists.export(national, "cmmm_records", values)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert _rows_in(data) == total, "the file must hold exactly the on-screen total"
    tracemalloc.start()
    lists.export(national, "cmmm_records", values)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"product export: {wall:.2f} s wall, {cpu:.2f} s CPU, file {len(data) / 1e6:.1f} MB, "
          f"peak traced Python memory {peak / 1e6:.0f} MB (the file is built on disk; a second, traced run)")

    if args.no_pandas:
        return
    import pandas as pd
    from db.organisation import Organisation
    stmt = (select(Diagnosis.id, Organisation.name, Organisation.credit_code, Diagnosis.province_code,
                   Diagnosis.city_code, Diagnosis.county_code, Organisation.region_code, Diagnosis.division_code,
                   Diagnosis.size, Diagnosis.completed_at, Diagnosis.total_score, Diagnosis.level,
                   Diagnosis.level_scores, Diagnosis.tailoring, Diagnosis.started_at)
            .join(Organisation, Organisation.id == Diagnosis.org_id)
            .where(Diagnosis.province_code == code if code else Diagnosis.province_code.is_not(None),
                   Diagnosis.status == "completed")
            .order_by(Diagnosis.completed_at.desc()))
    rss = _max_rss_mb()
    start = time.perf_counter()
    with get_engine().connect() as c:
        df = pd.read_sql(stmt, c)
    scores = pd.json_normalize(df.pop("level_scores").map(lambda v: v or {}))
    df = pd.concat([df, scores], axis=1)
    df["tailoring"] = df["tailoring"].map(lambda v: "、".join(v or []))
    for col in ("completed_at", "started_at"):
        df[col] = pd.to_datetime(df[col], utc=True).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M")
    out = io.BytesIO()
    df.to_excel(out, index=False, engine="openpyxl")
    took = time.perf_counter() - start
    print(f"pandas read_sql + to_excel (openpyxl): {took:.2f} s wall, {len(df):,} rows × {df.shape[1]} columns, "
          f"process peak memory +{_max_rss_mb() - rss:.0f} MB")


if __name__ == "__main__":
    main()
