"""数据批量上报导入 (administrators): the template, a clean file reported for every enterprise through the
workflow, all-or-nothing with a cell-level error workbook, jurisdiction refused by name, unknown codes,
wrong month and states that cannot be imported, double submit and the bounds."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from db.audit import AuditLog
from db.notify import Notification
from db.engine import session_scope
from db.forms import AnswerValue, FormResponse, ResponseSection
from db.monitor import MonitorReport
from db.organisation import Organisation
from db.workflow import WorkflowInstance, WorkflowTransition
from services.core import notify
from services.core.errors import Conflict, PermissionDenied, ValidationFailed
from services.monitor import admin_import, reports, workflow
from services.monitor.admin_import import FIRST_ROW, HEADER_ROW, SHEET_ERRORS, SHEET_ORGS
from services.monitor.excel_layout import SHEET_PROD
from tests.factories import make_org
from tests.monitor.conftest import GOOD, Chain
from tests.monitor.test_validation import month_of

CELLS = ("本年本月", "本年1-本月", "上年本月", "上年1-本月")
LABEL_TO_ROW = {"工业总产值": "output", "出口交货值": "export", "用电量": "power", "生产能力(设备)利用率": "capacity",
                "营业收入": "revenue", "营业成本": "cost", "期末借款余额": "loans", "财务费用": "finance_cost",
                "应收账款": "receivables", "产成品": "finished_goods", "利润总额": "profit", "应交税费": "taxes",
                "从业人员": "employees", "逾期应收账款": "overdue_receivables", "应付职工薪酬": "payroll",
                "资产总计": "assets", "负债总计": "liabilities", "固定资产投资额": "fixed_investment"}


def org_row(org_id: int) -> tuple[str, str]:
    with session_scope() as s:
        o = s.get(Organisation, org_id)
        assert o is not None
        return o.credit_code or "", o.name


def fill(template: bytes, orgs: list[tuple[str, str]], overrides: dict[int, dict[str, Any]] | None = None,
         products: Sequence[tuple[Any, ...]] = (), month: str | None = None, only: set[str] | None = None) -> bytes:
    """Fill the template: one row per (code, name) with GOOD values; ``overrides`` {org index: {heading: value}}."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_ORGS]
    heads = [str(c.value or "") for c in ws[HEADER_ROW]]
    for i, (code, name) in enumerate(orgs):
        r = FIRST_ROW + i
        ws.cell(r, 1).value, ws.cell(r, 2).value = code, name
        for j, h in enumerate(heads[4:], 5):
            label, _, cell = h.partition("｜")
            row = LABEL_TO_ROW[label.lstrip("*").split("（")[0]]
            if only is None or row in only:
                ws.cell(r, j).value = GOOD[row][CELLS.index(cell)]
        for h, v in ((overrides or {}).get(i) or {}).items():
            ws.cell(r, next(j for j, x in enumerate(heads, 1) if x.lstrip("*") == h or x == h)).value = v
    if month is not None:
        ws["B2"] = month
    wp = wb[SHEET_PROD]
    for i, p in enumerate(products, 2):
        for j, v in enumerate(p, 1):
            wp.cell(i, j).value = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(model: Any, *where: Any) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def setup(chain: Chain) -> tuple[Chain, str, list[int]]:
    period = month_of(quarter=True)
    return chain, period, [make_org("320102", status="approved") for _ in range(3)]


def test_template_has_one_column_per_indicator_and_codes_as_text(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, _ = setup
    wb = load_workbook(io.BytesIO(admin_import.template_xlsx(chain.xw, period)))
    assert wb.sheetnames == [SHEET_ORGS, SHEET_PROD, admin_import.SHEET_HELP]
    ws = wb[SHEET_ORGS]
    heads = [c.value for c in ws[HEADER_ROW]]
    assert heads[:4] == ["*统一社会信用代码", "*企业名称", "填报人", "填报人电话"]
    assert len(heads) == 4 + 18 * 4                       # a quarter month: every indicator, four columns each
    assert "*营业收入（千元）｜本年本月" in heads and "*逾期应收账款（千元）｜上年1-本月" in heads
    assert ws["B2"].value == period and ws.cell(FIRST_ROW, 1).number_format == "@"
    assert [c.value for c in wb[SHEET_PROD][1]][:2] == ["*统一社会信用代码", "*产品名称"]
    plain = load_workbook(io.BytesIO(admin_import.template_xlsx(chain.xw, month_of(quarter=False))))[SHEET_ORGS]
    assert len([c for c in plain[HEADER_ROW] if c.value]) == 4 + 13 * 4   # no quarterly indicators
    with pytest.raises(PermissionDenied):
        admin_import.template_xlsx(chain.ent, period)


def test_a_clean_file_reports_every_enterprise_through_the_workflow(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    rows = [org_row(o) for o in orgs]
    data = fill(admin_import.template_xlsx(chain.xw, period), rows, {2: {"资产总计（千元）｜本年1-本月": 1}},
                products=[(rows[0][0], "轴承", "0012", "套", 10, 8, 2), (rows[0][0], "齿轮", None, "件", 5, 3, 1)])
    seen: list[float] = []
    result = admin_import.import_reports(chain.xw, period, data, "req-1", progress=lambda f, _: seen.append(f))
    assert result.ok and result.imported == 3, result.errors[:3]
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with session_scope() as s:
        reps = list(s.scalars(select(MonitorReport).where(MonitorReport.org_id.in_(orgs))))
        assert {r.status for r in reps} == {"reviewing"} and {r.holder_id for r in reps} == {chain.xw.account_id}
        assert {r.source for r in reps} == {"import"} and all(r.reviewer_id == chain.xw.account_id for r in reps)
        first = next(r for r in reps if r.org_id == orgs[0])
        products = s.get(ResponseSection, (first.response_id, "products"))
        assert products is not None and [p["name"] for p in products.data["products"]] == ["轴承", "齿轮"]
        assert products.data["products"][0]["code"] == "0012"          # codes stay text
        ind = s.get(ResponseSection, (first.response_id, "indicators"))
        assert ind is not None and ind.data["ind"]["revenue"] == {"cur_m": "120", "cur_ytd": "1200", "ly_m": "100",
                                                                  "ly_ytd": "1000"}
        assert s.get(FormResponse, first.response_id).status == "submitted"  # type: ignore[union-attr]
        warned = next(r for r in reps if r.org_id == orgs[2])   # a balance warning: recorded, not blocking
        assert (warned.screening_passed, warned.warning_count, first.screening_passed) == (False, 2, True)
        assert "资产总计" in s.get(FormResponse, warned.response_id).warnings[0]["message"]  # type: ignore[union-attr]
        steps = s.execute(workflow.steps().where(WorkflowInstance.subject_id == first.id)).all()
        assert [(x.action, x.from_state, x.to_state) for x in steps] == [("admin_import", "editing", "reviewing")]
    assert count(AnswerValue, AnswerValue.response_id == first.response_id) > 18 * 4
    assert result.warnings == 2 and "2 条提示" in result.message
    assert count(AuditLog, AuditLog.action == "monitor.admin_import") == 3
    assert count(WorkflowTransition, WorkflowTransition.action == "admin_import") == 3
    assert count(Notification, Notification.account_id == chain.xw.account_id,
                 Notification.title.contains("批量导入了 3 家企业")) == 1


def test_one_bad_cell_writes_nothing_and_the_error_workbook_names_the_cell(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    rows = [org_row(o) for o in orgs]
    data = fill(admin_import.template_xlsx(chain.xw, period), rows,
                {1: {"营业收入（千元）｜本年本月": -5}, 2: {"从业人员（人）｜本年1-本月": "一百"}})
    result = admin_import.import_reports(chain.xw, period, data, "req-2")
    assert not result.ok and "整个文件未导入" in result.message
    got = {(e.sheet, e.row, e.column, e.cell, e.enterprise): e.message for e in result.errors}
    revenue = f"{_col(data, '营业收入（千元）｜本年本月')}{FIRST_ROW + 1}"
    employees = f"{_col(data, '从业人员（人）｜本年1-本月')}{FIRST_ROW + 2}"
    assert got == {(SHEET_ORGS, FIRST_ROW + 1, "营业收入｜本年本月", revenue, rows[1][1]): "不能为负数",
                   (SHEET_ORGS, FIRST_ROW + 2, "从业人员｜本年1-本月", employees, rows[2][1]):
                   got[(SHEET_ORGS, FIRST_ROW + 2, "从业人员｜本年1-本月", employees, rows[2][1])]}
    assert got[(SHEET_ORGS, FIRST_ROW + 2, "从业人员｜本年1-本月", employees, rows[2][1])].startswith("须为数字")
    assert count(MonitorReport, MonitorReport.org_id.in_(orgs)) == 0            # nothing written for anyone
    assert count(FormResponse, FormResponse.org_id.in_(orgs)) == 0
    wb = load_workbook(io.BytesIO(result.errors_xlsx or b""))
    assert wb.sheetnames[0] == SHEET_ERRORS and SHEET_ORGS in wb.sheetnames
    listed = [[c.value for c in r] for r in wb[SHEET_ERRORS].iter_rows(min_row=3)]
    assert [r[0] for r in listed] == [SHEET_ORGS, SHEET_ORGS] and listed[0][5] == "不能为负数"
    bad = wb[SHEET_ORGS][listed[0][3]]
    assert bad.value == -5 and bad.comment is not None and "不能为负数" in bad.comment.text
    assert bad.fill.fgColor.rgb.endswith("F4B6B0")


def _col(data: bytes, heading: str) -> str:
    from openpyxl.utils import get_column_letter
    ws = load_workbook(io.BytesIO(data))[SHEET_ORGS]
    return get_column_letter(next(c.column for c in ws[HEADER_ROW] if str(c.value).lstrip("*") == heading))


def test_required_rows_and_product_rows_are_checked_by_the_form_engine(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    rows = [org_row(o) for o in orgs[:1]]
    data = fill(admin_import.template_xlsx(chain.xw, period), rows, {0: {"营业收入（千元）｜本年本月": None}},
                products=[(rows[0][0], "轴承", "", "套", 0, 8, 2), ("91XXXXXXXXXXXXXXXX", "齿轮", "", "件", 1, 1, 1)])
    errors = admin_import.import_reports(chain.xw, period, data).errors
    assert any(e.column == "营业收入｜本年本月" and "必填" in e.message for e in errors)
    assert any(e.sheet == SHEET_PROD and e.row == 2 and e.column == "生产量" and e.cell == "E2" for e in errors)
    assert any(e.sheet == SHEET_PROD and e.row == 3 and "不在「企业月报」中" in e.message for e in errors)


def test_outside_the_jurisdiction_and_unknown_codes_are_refused_by_name(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    other = make_org("320104", status="approved", name="秦淮某某科技有限公司")
    rows = [org_row(orgs[0]), org_row(other), ("91320102MA1XXXXXX0", "不存在的公司")]
    result = admin_import.import_reports(chain.xw, period, fill(admin_import.template_xlsx(chain.xw, period), rows))
    messages = [e.message for e in result.errors]
    assert any("秦淮某某科技有限公司" in m and "不在您的管辖范围内" in m for m in messages)
    assert any("91320102MA1XXXXXX0" in m and "没有对应的注册企业" in m for m in messages)
    assert count(MonitorReport, MonitorReport.org_id.in_([orgs[0], other])) == 0
    # the city administrator above both may import them
    ok = admin_import.import_reports(chain.nj, period, fill(admin_import.template_xlsx(chain.nj, period), rows[:2]))
    assert ok.ok and ok.imported == 2


def test_wrong_month_frozen_and_reported_months_are_refused(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    rows = [org_row(o) for o in orgs]
    template = admin_import.template_xlsx(chain.xw, period)
    wrong = admin_import.import_reports(chain.xw, period, fill(template, rows, month="2001-01")).errors
    assert [(e.cell, e.column) for e in wrong] == [("B2", "报表月份")] and "不一致" in wrong[0].message
    first = admin_import.import_reports(chain.xw, period, fill(template, rows[:1]))
    assert first.ok
    actor, org_id = _owner_of(orgs[1])
    rid = reports.open_report(actor, period)
    with session_scope() as s:
        s.execute(update(MonitorReport).where(MonitorReport.id == rid).values(status="frozen"))
    errors = admin_import.import_reports(chain.xw, period, fill(template, rows)).errors
    text = " ".join(e.message for e in errors)
    assert "「审核中」" in text and "「冻结」" in text and rows[0][1] in text and rows[1][1] in text
    assert count(MonitorReport, MonitorReport.org_id == orgs[2]) == 0


def _owner_of(org_id: int) -> tuple[Any, int]:
    from services.identity.accounts import create_account
    from tests.factories import PASSWORD, actor_of
    name = f"qyai{org_id:04d}"
    create_account(name, PASSWORD, ["enterprise"], org_id=org_id, phone="13800000000")
    return actor_of(name), org_id


def test_an_editing_or_returned_draft_is_replaced_and_reported(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    actor, _ = _owner_of(orgs[0])
    rid = reports.open_report(actor, period)
    rows = [org_row(orgs[0])]
    before = len(notify.inbox(actor))
    data = fill(admin_import.template_xlsx(chain.xw, period), rows, {0: {"填报人": "赵六"}})
    assert admin_import.import_reports(chain.xw, period, data).ok
    with session_scope() as s:
        r = s.get(MonitorReport, rid)
        assert r is not None and r.status == "reviewing" and r.reporter == "赵六"
        basic = s.get(ResponseSection, (r.response_id, "basic"))
        assert basic is not None and basic.version == 2 and basic.data["reporter"] == "赵六"
    assert len(notify.inbox(actor)) == before + 1 and "已由管理员批量导入并上报" in notify.inbox(actor)[0].title


def test_non_industrial_enterprises_leave_industrial_rows_blank(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    with session_scope() as s:
        s.execute(update(Organisation).where(Organisation.id == orgs[0]).values(industry_code="5211", division_code="52"))
    rows = [org_row(orgs[0])]
    errors = admin_import.import_reports(chain.xw, period, fill(admin_import.template_xlsx(chain.xw, period), rows)).errors
    assert errors and all("仅工业企业填报" in e.message for e in errors)
    assert {e.column.split("｜")[0] for e in errors} == {"工业总产值", "出口交货值", "用电量", "生产能力(设备)利用率", "产成品"}
    industrial = {"output", "export", "power", "capacity", "finished_goods"}
    clean = fill(admin_import.template_xlsx(chain.xw, period), rows, only=set(GOOD) - industrial)
    assert admin_import.import_reports(chain.xw, period, clean).ok


def test_a_double_submit_does_nothing_twice(setup: tuple[Chain, str, list[int]]) -> None:
    chain, period, orgs = setup
    data = fill(admin_import.template_xlsx(chain.xw, period), [org_row(o) for o in orgs])
    assert admin_import.import_reports(chain.xw, period, data, "same").imported == 3
    again = admin_import.import_reports(chain.xw, period, data, "same")
    assert again.ok and again.replayed and "未重复处理" in again.message
    assert count(WorkflowTransition, WorkflowTransition.action == "admin_import") == 3
    other = admin_import.import_reports(chain.xw, period, data, "other")   # a new request: refused, state named
    assert len(other.errors) == 3 and all("「审核中」" in e.message for e in other.errors)


def test_bounds_and_permission(setup: tuple[Chain, str, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    chain, period, orgs = setup
    template = admin_import.template_xlsx(chain.xw, period)
    data = fill(template, [org_row(o) for o in orgs])
    with pytest.raises(PermissionDenied):
        admin_import.import_reports(chain.ent, period, data)
    with pytest.raises(ValidationFailed, match="不是 Excel"):
        admin_import.import_reports(chain.xw, period, b"%PDF-1.4 not a workbook")
    with pytest.raises(ValidationFailed, match="没有企业数据"):
        admin_import.import_reports(chain.xw, period, template)
    with pytest.raises(ValidationFailed, match="不在可报送的月份范围内"):
        admin_import.import_reports(chain.xw, "2001-01", data)
    monkeypatch.setattr(admin_import, "MAX_ENTERPRISES", 2)
    with pytest.raises(ValidationFailed, match="最多 2 家企业"):
        admin_import.import_reports(chain.xw, period, data)
    from config import settings
    monkeypatch.setattr(settings, "upload_max_mb", 0.001)
    with pytest.raises(ValidationFailed, match="文件不能超过"):
        admin_import.import_reports(chain.xw, period, data)
    assert count(MonitorReport, MonitorReport.org_id.in_(orgs)) == 0


def test_a_report_changed_between_check_and_write_is_a_conflict(setup: tuple[Chain, str, list[int]],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    chain, period, orgs = setup
    actor, _ = _owner_of(orgs[0])
    data = fill(admin_import.template_xlsx(chain.xw, period), [org_row(o) for o in orgs])
    real = admin_import._check

    def meanwhile(*args: Any) -> Any:
        plans = real(*args)
        reports.open_report(actor, period)   # the enterprise opens its month while the file is checked
        return plans
    monkeypatch.setattr(admin_import, "_check", meanwhile)
    with pytest.raises(Conflict, match="整个文件未导入"):
        admin_import.import_reports(chain.xw, period, data)
    assert count(MonitorReport, MonitorReport.org_id.in_(orgs[1:])) == 0
