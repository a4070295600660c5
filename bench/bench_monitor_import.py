"""Benchmark 上报导入 (the monthly report's Excel import) and print the numbers.

Builds one report file the way an enterprise fills the downloaded template: every indicator row of a
quarter month plus 1,000 product rows, then times each stage — the template, parsing the upload, the
engine validation, and the whole import (content check, parse, validate, write) — and a final import
that also reports (上报) the month. Goal from the issue: a 1,000-row file with validation under 5 s.

    .venv/bin/python bench/bench_monitor_import.py [--rows 1000] [--database-url postgresql+psycopg://…]

SQLite always; PostgreSQL as well when --database-url is given.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HUIQI_BCRYPT_ROUNDS", "4")

from _timing import timed  # noqa: E402


def filled(template: bytes, products: int) -> bytes:
    """Fill the template: the indicator rows by label, then ``products`` product rows."""
    from openpyxl import load_workbook

    from services.forms.definitions import definition_for_version, published_version
    from services.monitor.excel_layout import FIRST_ROW, SHEET_IND, SHEET_PROD
    from tests.monitor.conftest import GOOD  # a consistent month: every check passes
    d = definition_for_version(published_version("sme_monthly_report").id)
    by_label = {r.label: r.name for r in d.question("ind").rows}
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_IND]
    for r in range(FIRST_ROW, ws.max_row + 1):
        for j, v in enumerate(GOOD[by_label[str(ws.cell(r, 1).value).lstrip("*")]]):
            ws.cell(r, 3 + j).value = v
    wp = wb[SHEET_PROD]
    for i in range(products):
        for j, v in enumerate((f"产品{i:04d}", f"P{i:06d}", "台", 100 + i % 50, 80 + i % 40, 1 + i % 9), 1):
            wp.cell(2 + i, j).value = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def enterprise() -> object:
    """A fresh approved enterprise in 玄武区 with its account (unique names: a reused database is fine)."""
    from db.engine import session_scope
    from db.organisation import Organisation
    from services.identity import auth
    from services.identity.accounts import create_account
    from services.core.demo import make_credit_code
    from services.reference import region_path
    tag = uuid.uuid4().hex[:8]
    path = region_path("320102")
    with session_scope() as s:
        org = Organisation(kind="enterprise", name=f"导入基准{tag}机械有限公司", region_code="320102",
                           credit_code=make_credit_code(random.Random(), "320102"), province_code=path.province_code,
                           city_code=path.city_code, county_code=path.county_code, industry_code="3411",
                           division_code="34", employees=120, revenue=5000, assets=8000, size="小型", status="approved",
                           details={}, legal_rep="张三", contact_name="李四", contact_phone="13912345678")
        s.add(org)
        s.flush()
        org_id = org.id
    create_account(f"bi_{tag}", "Bench@pass1", ["enterprise"], org_id=org_id, phone="13800000000")
    return auth.sign_in(f"bi_{tag}", "Bench@pass1", client="bench")[1]


def run(url: str, products: int) -> None:
    from db.engine import configure, session_scope
    from services.identity.accounts import admin_role_for, create_account
    from services.core.bootstrap import init_db
    from services.forms.definitions import definition_for_version, published_version
    from services.forms.engine import evaluate, visible_rows
    from services.forms.responses import context_for
    from services.monitor import excel_io, reports, reviewers
    from services.monitor.excel_layout import read_book, read_upload
    configure(url)
    init_db(url)
    tag = uuid.uuid4().hex[:6]
    for region in (None, "320000", "320100", "320102"):
        create_account(f"bi_admin_{region or 'cn'}_{tag}", "Bench@pass1", [admin_role_for(region)], region_code=region)
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    actor = enterprise()
    period = next(p for p in reports.period_options() if reports.is_quarter_month(p))
    print(f"database: {url.split('@')[-1]}; report month {period}")
    med, p95 = timed(lambda: excel_io.template_xlsx(actor, period), 10)  # type: ignore[arg-type]
    print(f"  template download: median {med:.0f} ms, p95 {p95:.0f} ms")
    start = time.perf_counter()
    data = filled(excel_io.template_xlsx(actor, period), products)  # type: ignore[arg-type]
    print(f"  test file: {products:,} product rows + 18 indicators, {len(data) / 1024:.0f} KB "
          f"(built in {time.perf_counter() - start:.1f} s)")

    rid = reports.open_report(actor, period)  # type: ignore[arg-type]
    from db.forms import FormResponse
    from db.monitor import MonitorReport
    with session_scope() as s:
        report = s.get(MonitorReport, rid)
        response = s.get(FormResponse, report.response_id)  # type: ignore[union-attr]
        ctx = context_for(s, response)  # type: ignore[arg-type]
    d = definition_for_version(published_version("sme_monthly_report").id)
    rows = visible_rows(d, "ind", ctx)
    parsed = read_upload(read_book(data), d, rows)
    assert not parsed.problems and len(parsed.products) == products, parsed.problems[:3]
    med, p95 = timed(lambda: read_upload(read_book(data), d, rows), 5)
    print(f"  parse the upload: median {med:.0f} ms, p95 {p95:.0f} ms")
    answers = {"ind": parsed.indicators, "products": parsed.products}
    med, p95 = timed(lambda: evaluate(d, answers, ctx), 5)
    print(f"  validate (engine evaluate): median {med:.0f} ms, p95 {p95:.0f} ms")

    def save_only() -> None:  # questionnaires not answered yet: saved, not reported — repeatable
        result = excel_io.import_report(actor, period, "王五", data)  # type: ignore[arg-type]
        assert result.ok and not result.reported, result.errors[:3]
    med, p95 = timed(save_only, 5)
    print(f"  whole import (check, parse, validate, write): median {med:.0f} ms, p95 {p95:.0f} ms")

    from tests.monitor.conftest import answer_questionnaires
    answer_questionnaires(actor, rid)  # type: ignore[arg-type]
    start = time.perf_counter()
    result = excel_io.import_report(actor, period, "王五", data)  # type: ignore[arg-type]
    took = time.perf_counter() - start
    assert result.reported, result.errors[:3]
    print(f"  whole import + 上报 (typed answer rows, history, notification): {took * 1000:.0f} ms "
          f"— goal < 5 s: {'met' if took < 5 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000, help="product rows in the file (max 1,000 per report)")
    parser.add_argument("--database-url", default=None, help="also measure on this PostgreSQL database")
    args = parser.parse_args()
    run(f"sqlite:///{tempfile.mkdtemp()}/bench_monitor_import.db", args.rows)
    if args.database_url:
        from db.engine import get_engine
        get_engine().dispose()
        run(args.database_url, args.rows)


if __name__ == "__main__":
    main()
