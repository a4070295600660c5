"""上报导入: template from the definition, round trip, all-or-nothing with cell-level errors, file type,
editable months, ownership and double submit."""
from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from db.engine import session_scope
from db.forms import ResponseSection
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core.errors import Conflict, PermissionDenied, ValidationFailed
from services.monitor import excel_io, reports, review
from services.monitor.excel_layout import SHEET_HELP, SHEET_IND, SHEET_PROD
from tests.factories import make_enterprise_user
from tests.monitor.conftest import GOOD, Chain, answer_questionnaires
from tests.monitor.test_validation import INDUSTRIAL, MONTHLY, QUARTERLY, ROWS, month_of

PRODUCTS = [("轴承", "0012", "套", 10, 8, 2), ("齿轮", None, "件", "5.5", 3, "2.5")]


def fill(template: bytes, rows: dict[str, tuple[Any, ...]] | None = None,
         products: list[tuple[Any, ...]] | None = None) -> bytes:
    """Fill a downloaded template as a user would in Excel."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_IND]
    values = GOOD if rows is None else rows
    for r in range(4, ws.max_row + 1):
        name = ROWS[str(ws.cell(r, 1).value).lstrip("*")].name
        for j, v in enumerate(values.get(name, ())):
            ws.cell(r, 3 + j).value = v
    wp = wb[SHEET_PROD]
    for i, product in enumerate(PRODUCTS if products is None else products, 2):
        for j, v in enumerate(product, 1):
            wp.cell(i, j).value = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def labels(template: bytes) -> list[str]:
    ws = load_workbook(io.BytesIO(template))[SHEET_IND]
    return [str(ws.cell(r, 1).value) for r in range(4, ws.max_row + 1)]


def report_count(org_id: int) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(MonitorReport).where(MonitorReport.org_id == org_id)) or 0)


def test_template_follows_the_definition_for_this_enterprise_and_month(chain: Chain) -> None:
    quarter, plain_month = month_of(quarter=True), month_of(quarter=False)
    t = excel_io.template_xlsx(chain.ent, quarter)
    wb = load_workbook(io.BytesIO(t))
    assert wb.sheetnames == [SHEET_IND, SHEET_PROD, SHEET_HELP]
    ws = wb[SHEET_IND]
    assert [c.value for c in ws[3]] == ["指标名称", "计算单位", "本年本月", "本年1-本月", "上年本月", "上年1-本月"]
    assert [x.lstrip("*") for x in labels(t)] == MONTHLY + QUARTERLY
    assert "*工业总产值" in labels(t) and "出口交货值" in labels(t)      # required rows marked *
    units = {str(ws.cell(r, 1).value).lstrip("*"): ws.cell(r, 2).value for r in range(4, ws.max_row + 1)}
    assert (units["用电量"], units["从业人员"], units["营业收入"]) == ("度", "人", "千元")
    dvs = ws.data_validations.dataValidation
    revenue = next(dv for dv in dvs if dv.promptTitle == "营业收入")
    assert (revenue.type, revenue.operator, revenue.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert "数字、小数点和正负号" in revenue.prompt and revenue.showInputMessage
    profit = next(dv for dv in dvs if dv.promptTitle == "利润总额")
    assert (profit.type, profit.operator) == ("decimal", "between")   # may be negative
    wp = wb[SHEET_PROD]
    assert [c.value for c in wp[1]] == ["*产品名称", "产品代码", "*计量单位", "*生产量", "*销售量", "*期末库存量"]
    assert {(dv.operator, dv.formula1) for dv in wp.data_validations.dataValidation} == {("greaterThan", "0")}
    help_text = "\n".join(str(c.value) for c in wb[SHEET_HELP]["A"] if c.value)
    for needle in ("千元", "度", "人", "2、5、8、11、12 月", "不能为负数", "须为正数", "数字、小数点和正负号"):
        assert needle in help_text, needle
    assert [x.lstrip("*") for x in labels(excel_io.template_xlsx(chain.ent, plain_month))] == MONTHLY
    with session_scope() as s:
        s.execute(update(Organisation).where(Organisation.id == chain.org_id).values(industry_code="5211",
                                                                                   division_code="52"))
    assert [x.lstrip("*") for x in labels(excel_io.template_xlsx(chain.ent, quarter))] == \
        [x for x in MONTHLY + QUARTERLY if x not in INDUSTRIAL]


def test_round_trip_saves_then_reports_once_questionnaires_are_answered(chain: Chain) -> None:
    period = month_of(quarter=True)
    data = fill(excel_io.template_xlsx(chain.ent, period))
    first = excel_io.import_report(chain.ent, period, "王五", data)
    assert first.ok and not first.reported and first.remaining and first.message.endswith("后上报。")
    assert review.detail(chain.ent, first.report_id).status == "editing"
    answer_questionnaires(chain.ent, first.report_id)
    result = excel_io.import_report(chain.ent, period, "王五", data)
    assert (result.ok, result.reported, result.report_id, result.warnings) == (True, True, first.report_id, [])
    d = review.detail(chain.xw, result.report_id)
    assert (d.status, d.reporter, d.screening_passed) == ("reviewing", "王五", True)
    assert d.answers["ind"]["output"] == {"cur_m": "100", "cur_ytd": "1000", "ly_m": "90", "ly_ytd": "900"}
    assert d.answers["ind"]["loans"] == {"cur_m": "0", "cur_ytd": "0", "ly_m": "0", "ly_ytd": "0"}
    assert d.answers["products"] == [
        {"name": "轴承", "code": "0012", "unit": "套", "production": "10", "sales": "8", "stock": "2"},
        {"name": "齿轮", "unit": "件", "production": "5.5", "sales": "3", "stock": "2.5"}]
    assert d.answers["reporter"] == "王五"
    assert [h["操作"] for h in d.history] == ["上报导入"]
    with session_scope() as s:
        assert s.get(MonitorReport, result.report_id).source == "import"  # type: ignore[union-attr]


def test_one_bad_cell_among_many_rejects_the_whole_file(chain: Chain) -> None:
    period = month_of(quarter=True)
    rid = reports.open_report(chain.ent, period)
    with session_scope() as s:
        before = {r.section: (r.version, r.data) for r in s.scalars(select(ResponseSection).where(
            ResponseSection.response_id == review.detail(chain.ent, rid).response_id))}
    many = [(f"产品{i}", f"C{i:04d}", "台", 10 + i, 5 + i, 1 + i) for i in range(200)]
    many[150] = ("产品150", None, "台", 10, 0, 3)                       # sales must be positive
    data = fill(excel_io.template_xlsx(chain.ent, period), {**GOOD, "revenue": (120, "1,200", 100, 1000),
                                                             "cost": (90, 900, 80, -1)}, many)
    result = excel_io.import_report(chain.ent, period, "王五", data)
    assert not result.ok and not result.reported
    got = {(e.sheet, e.cell, e.indicator): e.message for e in result.errors}
    revenue_row = 4 + MONTHLY.index("营业收入")
    cost_row = 4 + MONTHLY.index("营业成本")
    assert got[(SHEET_IND, f"D{revenue_row}", "营业收入 › 本年1-本月")].startswith("须为数字")
    assert got[(SHEET_IND, f"F{cost_row}", "营业成本 › 上年1-本月")] == "不能为负数"
    assert got[(SHEET_PROD, "E152", "第 152 行 › 销售量")] == "须为正数"
    assert len(result.errors) == 3
    listed = load_workbook(io.BytesIO(result.errors_xlsx or b"")).active
    assert [c.value for c in listed[2]] == ["工作表", "单元格", "指标", "错误信息"]
    assert {row[1] for row in listed.iter_rows(min_row=3, values_only=True)} == {f"D{revenue_row}", f"F{cost_row}",
                                                                                 "E152"}
    with session_scope() as s:
        after = {r.section: (r.version, r.data) for r in s.scalars(select(ResponseSection).where(
            ResponseSection.response_id == review.detail(chain.ent, rid).response_id))}
    assert after == before                                               # nothing written
    other = month_of(quarter=False)
    assert not excel_io.import_report(chain.ent, other, "王五", fill(excel_io.template_xlsx(chain.ent, other),
                                                                    {**GOOD, "employees": (None, 1, 1, 1)})).ok
    assert report_count(chain.org_id) == 1                               # no report opened for a rejected file


def test_wrong_file_type_and_template_of_another_month_are_refused(chain: Chain) -> None:
    period = month_of(quarter=True)
    for content in (b"\xe5\xb7\xa5\xe4\xb8\x9a\xe6\x80\xbb\xe4\xba\xa7\xe5\x80\xbc,100\n", b"%PDF-1.4 fake"):
        with pytest.raises(ValidationFailed, match="不是 Excel"):
            excel_io.import_report(chain.ent, period, "王五", content)
    with pytest.raises(ValidationFailed, match="填报人"):
        excel_io.import_report(chain.ent, period, " ", fill(excel_io.template_xlsx(chain.ent, period)))
    other = month_of(quarter=False)
    result = excel_io.import_report(chain.ent, period, "王五", fill(excel_io.template_xlsx(chain.ent, other)))
    assert [(e.cell, e.indicator) for e in result.errors if e.cell == "F2"] == [("F2", "报表月份")]
    assert report_count(chain.org_id) == 0


def test_only_editable_months_can_be_imported(chain: Chain) -> None:
    period = month_of(quarter=True)
    data = fill(excel_io.template_xlsx(chain.ent, period))
    rid = reports.open_report(chain.ent, period)
    answer_questionnaires(chain.ent, rid)
    assert excel_io.import_report(chain.ent, period, "王五", data).reported
    with pytest.raises(Conflict, match="审核中"):
        excel_io.import_report(chain.ent, period, "王五", data)          # 审核中: not editable
    review.return_report(chain.xw, rid, "请核实营业成本")
    assert excel_io.import_report(chain.ent, period, "赵六", data).reported   # 退回: editable again
    with pytest.raises(ValidationFailed, match="不在可报送的月份范围内"):
        excel_io.import_report(chain.ent, "2000-01", "王五", data)


def test_an_enterprise_imports_only_its_own_report(chain: Chain) -> None:
    period = month_of(quarter=True)
    mine = fill(excel_io.template_xlsx(chain.ent, period))
    other, other_org = make_enterprise_user("320102")
    result = excel_io.import_report(other, period, "钱七", mine)
    assert [e.cell for e in result.errors] == ["D2"] and "只能导入本企业的数据" in result.errors[0].message
    assert report_count(other_org) == 0 and report_count(chain.org_id) == 0
    with pytest.raises(PermissionDenied):
        excel_io.import_report(chain.xw, period, "王五", mine)            # administrators do not file reports
    with pytest.raises(PermissionDenied):
        excel_io.template_xlsx(chain.xw, period)


def test_double_submit_does_nothing_twice(chain: Chain) -> None:
    period = month_of(quarter=True)
    rid = reports.open_report(chain.ent, period)
    answer_questionnaires(chain.ent, rid)
    data = fill(excel_io.template_xlsx(chain.ent, period))
    first = excel_io.import_report(chain.ent, period, "王五", data, request_id="imp-1")
    again = excel_io.import_report(chain.ent, period, "王五", data, request_id="imp-1")
    assert first.reported and again.replayed and again.reported and again.report_id == rid
    assert [h["操作"] for h in review.detail(chain.ent, rid).history] == ["上报导入"]


def test_warnings_of_an_imported_month_are_recorded(chain: Chain) -> None:
    period = month_of(january=True)
    rid = reports.open_report(chain.ent, period)
    answer_questionnaires(chain.ent, rid)
    result = excel_io.import_report(chain.ent, period, "王五", fill(excel_io.template_xlsx(chain.ent, period)))
    assert result.reported and len(result.warnings) == 6 and "6 条提示" in result.message
    d = review.detail(chain.xw, rid)
    assert (d.screening_passed, d.warnings) == (False, result.warnings)
