"""Every validation rule of the manual's tables (当期报送 › 数据校验规则), with boundary cases.

The pure engine (``evaluate`` over the shipped definition with a ``Context``) proves each rule row by
row; the real services (``save_section`` = 保存 / 下一步, ``submit_report`` = 上报) prove that errors
block, warnings are recorded for reviewers, and balance checks wait for last month's approval.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from db.engine import session_scope
from db.organisation import Organisation
from services.core.errors import ValidationFailed
from services.forms import responses
from services.forms.engine import Context, Evaluation, evaluate, visible_rows
from services.forms.loader import load_file
from services.monitor import reports, review
from services.monitor.review import QueueFilter
from tests.monitor.conftest import Chain, answer_questionnaires, indicators

SPEC = load_file(Path(__file__).resolve().parents[2] / "specs/monitor/monthly_report.yaml")
ROWS = {r.label: r for r in SPEC.question("ind").rows}
CELLS = {"cur_m": "本年本月", "cur_ytd": "本年1-本月", "ly_m": "上年本月", "ly_ytd": "上年1-本月"}

# The manual's tables, as printed.
MANUAL_REQUIRED = ["工业总产值", "营业收入", "营业成本", "利润总额", "从业人员", "用电量", "应收账款", "逾期应收账款",
                   "应付职工薪酬", "资产总计", "负债总计"]
MANUAL_NON_NEGATIVE = ["工业总产值", "出口交货值", "营业收入", "营业成本", "期末借款余额", "从业人员", "用电量", "应收账款",
                       "逾期应收账款", "固定资产投资额", "资产总计", "负债总计", "生产能力(设备)利用率"]
MONTHLY = ["工业总产值", "出口交货值", "用电量", "生产能力(设备)利用率", "营业收入", "营业成本", "期末借款余额", "财务费用",
           "应收账款", "产成品", "利润总额", "应交税费", "从业人员"]
QUARTERLY = ["逾期应收账款", "应付职工薪酬", "资产总计", "负债总计", "固定资产投资额"]
INDUSTRIAL = ["工业总产值", "出口交货值", "产成品", "用电量", "生产能力(设备)利用率"]
CUMULATIVE = ["工业总产值", "出口交货值", "用电量"]   # 本月止累计 = 本月 + 上月止累计


def run(answers: dict[str, Any], period: str = "2026-02", industrial: bool = True,
        previous: dict[str, Any] | None = None) -> Evaluation:
    return evaluate(SPEC, answers, Context(org={"industrial": industrial}, period=period, previous=previous))


def with_cell(label: str, cell: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    answers = copy.deepcopy(base) if base is not None else indicators()
    answers["ind"][ROWS[label].name][cell] = value
    return answers


def messages(ev: Evaluation, severity: str = "error") -> list[str]:
    return [f.message for f in ev.findings if f.severity == severity and f.section != "basic"]  # step 1 not given


def where(label: str, cell: str = "cur_m") -> str:
    return f"主要经济指标 › {label} › {CELLS[cell]}"


# --- the definition is the manual's tables ---------------------------------------------------
def test_rows_units_and_lists_match_the_manual() -> None:
    assert [r.label for r in SPEC.question("ind").rows] == MONTHLY + QUARTERLY
    assert {k: r.unit for k, r in ROWS.items() if r.unit != "千元"} == {"用电量": "度", "生产能力(设备)利用率": "%",
                                                                      "从业人员": "人"}
    assert sorted(k for k, r in ROWS.items() if r.required) == sorted(MANUAL_REQUIRED)
    assert sorted(k for k, r in ROWS.items() if r.constraints) == sorted(MANUAL_NON_NEGATIVE)


# --- 非空校验 / 非负校验 (engine, every row and every column) ------------------------------------
@pytest.mark.parametrize("cell", list(CELLS))
def test_non_empty_for_exactly_the_listed_indicators(cell: str) -> None:
    for label in ROWS:
        errors = messages(run(with_cell(label, cell, None), period="2026-02"))
        expected = [f"{where(label, cell)}：必填项，请填写。"] if label in MANUAL_REQUIRED else []
        assert errors == expected, label
        assert messages(run(with_cell(label, cell, ""), period="2026-02")) == expected  # blank is empty


@pytest.mark.parametrize("cell", list(CELLS))
def test_non_negative_for_exactly_the_listed_indicators(cell: str) -> None:
    for label in ROWS:
        assert messages(run(with_cell(label, cell, "0"))) == [], f"{label}: 0 passes"
        assert messages(run(with_cell(label, cell, 0))) == [], f"{label}: 0 passes"
        errors = messages(run(with_cell(label, cell, "-0.01")))
        assert errors == ([f"{where(label, cell)}：不能为负数"] if label in MANUAL_NON_NEGATIVE else []), label


def test_other_indicators_may_be_negative_and_text_is_not_a_number() -> None:
    for label in ("利润总额", "财务费用", "应交税费", "应付职工薪酬", "产成品"):
        assert messages(run(with_cell(label, "cur_m", "-1500.5"))) == [], label
    assert messages(run(with_cell("营业收入", "cur_m", "abc"))) == [f"{where('营业收入')}：须为数字。"]


# --- 季度指标 / 工业企业指标 -------------------------------------------------------------------------
@pytest.mark.parametrize("month", range(1, 13))
def test_quarterly_indicators_only_in_february_may_august_november_december(month: int) -> None:
    period = f"2026-{month:02d}"
    shown = [r.label for r in visible_rows(SPEC, "ind", Context(org={"industrial": True}, period=period))]
    quarter = month in (2, 5, 8, 11, 12)
    assert shown == MONTHLY + (QUARTERLY if quarter else [])
    answers = indicators()
    for label in QUARTERLY:
        del answers["ind"][ROWS[label].name]
    expected = [f"{where(x, c)}：必填项，请填写。" for x in QUARTERLY if x in MANUAL_REQUIRED for c in CELLS]
    assert messages(run(answers, period=period)) == (expected if quarter else [])


def test_industrial_rows_only_for_industrial_enterprises() -> None:
    for code, industrial in (("3411", True), ("0610", True), ("4411", True), ("5211", False), ("4710", False)):
        ctx = responses.org_context(Organisation(industry_code=code, division_code=code[:2]))
        assert ctx["industrial"] is industrial, code  # GB/T 4754 门类 B, C, D
    shown = [r.label for r in visible_rows(SPEC, "ind", Context(org={"industrial": False}, period="2026-03"))]
    assert shown == [x for x in MONTHLY if x not in INDUSTRIAL]
    answers = indicators()
    for label in INDUSTRIAL:
        del answers["ind"][ROWS[label].name]
    assert messages(run(answers, period="2026-02", industrial=False)) == []
    assert messages(run(answers, period="2026-02", industrial=True)) == [
        f"{where(x, c)}：必填项，请填写。" for x in ("工业总产值", "用电量") for c in CELLS]


# --- 平衡关系检查 (warnings) ------------------------------------------------------------------------
@pytest.mark.parametrize("label", CUMULATIVE)
def test_january_this_month_equals_year_to_date(label: str) -> None:
    ok = with_cell(label, "ly_ytd", "90", with_cell(label, "ly_m", "90", with_cell(label, "cur_ytd", "100",
                                                                                      with_cell(label, "cur_m", "100"))))
    jan = [m for m in messages(run(ok, period="2026-01"), "warning") if "1月份" in m]
    assert [m for m in jan if m.startswith(label)] == []
    bad = run(with_cell(label, "ly_ytd", "90.01", with_cell(label, "cur_ytd", "100.01", ok)), period="2026-01")
    assert [m for m in messages(bad, "warning") if m.startswith(label)] == [
        f"{label}：1月份本年本月应等于本年1-本月", f"{label}：1月份上年本月应等于上年1-本月"]
    assert messages(bad) == []  # a warning never blocks
    feb = run(with_cell(label, "cur_ytd", "100.01", ok), period="2026-02")
    assert not [m for m in messages(feb, "warning") if "1月份" in m]  # other months: not this rule


def _previous(**rows: tuple[Any, Any]) -> dict[str, Any]:
    return {"ind": {ROWS[k].name: {"cur_ytd": v[0], "ly_ytd": v[1]} for k, v in rows.items()}}


@pytest.mark.parametrize("label", CUMULATIVE)
def test_year_to_date_equals_this_month_plus_last_months_year_to_date(label: str) -> None:
    name = ROWS[label].name
    good = indicators()
    cur_m, cur_ytd, ly_m, ly_ytd = (good["ind"][name][c] for c in CELLS)
    prev = _previous(**{label: (cur_ytd - cur_m, ly_ytd - ly_m)})
    rule = [f"{label}：本年1-本月应等于本年本月加上月的本年1-本月", f"{label}：上年1-本月应等于上年本月加上月的上年1-本月"]

    def own(ev: Evaluation) -> list[str]:
        return [m for m in messages(ev, "warning") if m.startswith(label) and "加上月" in m]

    assert own(run(good, period="2026-03", previous=prev)) == []
    for delta in ("0.01", "-0.01"):
        off = with_cell(label, "ly_ytd", str(ly_ytd + float(delta)),
                        with_cell(label, "cur_ytd", str(cur_ytd + float(delta))))
        assert own(run(off, period="2026-03", previous=prev)) == rule
        assert own(run(off, period="2026-03", previous=None)) == []  # last month not approved: not applied
        assert own(run(off, period="2026-01", previous=prev)) == []   # January has its own rule


@pytest.mark.parametrize("label", ["营业收入", "营业成本"])
def test_revenue_and_cost_year_to_date_not_below_last_months(label: str) -> None:
    name = ROWS[label].name
    good = indicators()
    cur_ytd, ly_ytd = good["ind"][name]["cur_ytd"], good["ind"][name]["ly_ytd"]
    equal = _previous(**{label: (cur_ytd, ly_ytd)})
    assert [m for m in messages(run(good, "2026-03", previous=equal), "warning") if m.startswith(label)] == []
    above = _previous(**{label: (cur_ytd + 0.01, ly_ytd + 0.01)})
    assert [m for m in messages(run(good, "2026-03", previous=above), "warning") if m.startswith(label)] == [
        f"{label}：本年1-本月不应小于上月的本年1-本月", f"{label}：上年1-本月不应小于上月的上年1-本月"]
    assert [m for m in messages(run(good, "2026-03"), "warning") if m.startswith(label)] == []  # not approved
    assert [m for m in messages(run(good, "2026-01", previous=above), "warning") if m.startswith(label)] == []


@pytest.mark.parametrize("other", ["应收账款", "产成品"])
def test_assets_above_receivables_and_finished_goods(other: str) -> None:
    def assets(ev: Evaluation) -> list[str]:
        return [m for m in messages(ev, "warning") if m.startswith("资产总计") and other in m]

    good = indicators()
    cur, ly = good["ind"][ROWS[other].name]["cur_ytd"], good["ind"][ROWS[other].name]["ly_ytd"]
    assert assets(run(good)) == []
    equal = with_cell("资产总计", "ly_ytd", ly, with_cell("资产总计", "cur_ytd", cur))
    expected = [f"资产总计：本年1-本月应大于{other}的本年1-本月", f"资产总计：上年1-本月应大于{other}的上年1-本月"]
    assert assets(run(equal)) == expected                      # equal is not "above"
    above = with_cell("资产总计", "ly_ytd", ly + 0.01, with_cell("资产总计", "cur_ytd", cur + 0.01))
    assert assets(run(above)) == []
    no_assets = indicators()
    del no_assets["ind"]["assets"]
    assert assets(run(no_assets, period="2026-03")) == []      # not a quarter month: nothing to compare


# --- 主要产品产销存 ---------------------------------------------------------------------------------
PRODUCT = {"name": "轴承", "code": "", "unit": "套", "production": "10", "sales": "8", "stock": "2"}
PRODUCT_LABELS = {"name": "产品名称", "unit": "计量单位", "production": "生产量", "sales": "销售量", "stock": "期末库存量"}


def test_products_optional_but_complete_and_positive() -> None:
    def errors(rows: list[dict[str, Any]]) -> list[str]:
        return [m for m in messages(run({**indicators(), "products": rows})) if m.startswith("主要产品")]

    assert errors([]) == []
    assert errors([PRODUCT, {**PRODUCT, "code": None}]) == []             # code optional
    for key, label in PRODUCT_LABELS.items():
        assert errors([PRODUCT, {**PRODUCT, key: ""}]) == [f"主要产品 第 2 行 › {label}：必填项，请填写。"]
    for key in ("production", "sales", "stock"):
        label = PRODUCT_LABELS[key]
        assert errors([{**PRODUCT, key: "0.01"}]) == []
        assert errors([{**PRODUCT, key: "0"}]) == [f"主要产品 第 1 行 › {label}：须为正数"]
        assert errors([{**PRODUCT, key: "-3"}]) == [f"主要产品 第 1 行 › {label}：须为正数"]


# --- through the services: 保存 / 下一步 / 上报 ------------------------------------------------------
def month_of(quarter: bool | None = None, january: bool = False) -> str:
    for p in reports.period_options():
        month = int(p[5:])
        if (january and month == 1) or (not january and (quarter is None or reports.is_quarter_month(p) == quarter)):
            return p
    raise AssertionError("no such month")


def _save(actor: Any, report_id: int, section: str, data: dict[str, Any], complete: bool = True) -> list[str]:
    rid = review.detail(actor, report_id).response_id
    view = responses.get_response(actor, rid)
    base = view.sections[section].version if section in view.sections else 0
    return [w.message for w in responses.save_section(actor, rid, section, data, base, base_data=view.answers,
                                                      complete=complete)[1]]


def _ready(actor: Any, period: str, data: dict[str, Any] | None = None) -> int:
    report_id = reports.open_report(actor, period)
    _save(actor, report_id, "basic", {k: v for k, v in review.detail(actor, report_id).answers.items()
                                      if k in ("org_name", "credit_code", "industry", "reporter", "reporter_phone")})
    _save(actor, report_id, "indicators", data or indicators())
    _save(actor, report_id, "products", {"products": [PRODUCT]})
    answer_questionnaires(actor, report_id)
    return report_id


def test_errors_block_next_step_and_report_but_not_a_draft_save(chain: Chain) -> None:
    rid = _ready(chain.ent, month_of(quarter=True))
    for label in MANUAL_REQUIRED:
        data = with_cell(label, "cur_ytd", None)
        with pytest.raises(ValidationFailed, match=re.escape(f"{label} › 本年1-本月：必填项")):
            _save(chain.ent, rid, "indicators", data)                     # 下一步
        _save(chain.ent, rid, "indicators", data, complete=False)         # 保存 (暂存) keeps the draft
        with pytest.raises(ValidationFailed, match=re.escape(f"{label} › 本年1-本月：必填项")):
            reports.submit_report(chain.ent, rid)                         # 上报
    for label in MANUAL_NON_NEGATIVE:
        with pytest.raises(ValidationFailed, match=re.escape(f"{label} › 本年本月：不能为负数")):
            _save(chain.ent, rid, "indicators", with_cell(label, "cur_m", "-0.01"), complete=False)
    assert review.detail(chain.ent, rid).status == "editing"
    data = indicators()
    for label in MANUAL_NON_NEGATIVE:
        data = with_cell(label, "cur_m", "0", data)
    for label in ("利润总额", "财务费用", "应交税费", "应付职工薪酬", "产成品"):
        data = with_cell(label, "cur_m", "-0.01", data)
    _save(chain.ent, rid, "indicators", data)
    reports.submit_report(chain.ent, rid)
    assert review.detail(chain.xw, rid).status == "reviewing"


def test_quarter_rows_asked_only_in_quarter_months(chain: Chain) -> None:
    without = indicators()
    for label in QUARTERLY:
        del without["ind"][ROWS[label].name]
    rid = reports.open_report(chain.ent, month_of(quarter=False))
    _save(chain.ent, rid, "indicators", without)
    rid = reports.open_report(chain.ent, month_of(quarter=True))
    with pytest.raises(ValidationFailed, match="逾期应收账款|应付职工薪酬|资产总计|负债总计"):
        _save(chain.ent, rid, "indicators", without)


def test_non_industrial_enterprise_is_not_asked_for_industrial_rows(chain: Chain) -> None:
    with session_scope() as s:
        s.execute(update(Organisation).where(Organisation.id == chain.org_id)
                  .values(industry_code="5211", division_code="52"))
    data = indicators()
    for label in INDUSTRIAL:
        del data["ind"][ROWS[label].name]
    rid = _ready(chain.ent, month_of(quarter=True), data)
    assert review.detail(chain.ent, rid).answers["industry"] == "5211"
    reports.submit_report(chain.ent, rid)
    d = review.detail(chain.xw, rid)
    shown = [r["指标名称"] for r in review.indicator_rows(d)]
    assert not set(shown) & set(INDUSTRIAL)
    assert review.detail(chain.xw, rid).status == "reviewing"


def _consecutive() -> tuple[str, str]:
    options = reports.period_options()
    for i, p in enumerate(options[:-1]):
        if int(p[5:]) != 1:
            return options[i + 1], p
    raise AssertionError("no consecutive months")


def test_balance_checks_use_last_month_only_once_a_reviewer_accepted_it(chain: Chain) -> None:
    first, second = _consecutive()
    r1 = _ready(chain.ent, first)
    reports.submit_report(chain.ent, r1)
    r2 = reports.open_report(chain.ent, second)
    # consistent with last month: 本年1-本月 = 本月 + 上月本年1-本月 for output / export / power
    fine = indicators({"output": (100, 1100, 90, 990), "export": (10, 110, 9, 99), "power": (5000, 55000, 4800, 52800)})
    off = indicators({"output": (100, 1000, 90, 900), "revenue": (120, 1199.99, 100, 999.99)})
    expected = ["工业总产值：本年1-本月应等于本年本月加上月的本年1-本月", "工业总产值：上年1-本月应等于上年本月加上月的上年1-本月",
                "营业收入：本年1-本月不应小于上月的本年1-本月", "营业收入：上年1-本月不应小于上月的上年1-本月"]
    assert _save(chain.ent, r2, "indicators", off) == []                 # last month only submitted
    review.return_report(chain.xw, r1, "请核实用电量")
    assert _save(chain.ent, r2, "indicators", off) == []                 # last month returned
    reports.submit_report(chain.ent, r1)
    review.accept(chain.xw, r1)                                          # the county accepted: 审核通过
    got = _save(chain.ent, r2, "indicators", off)
    assert [m for m in got if m in expected] == expected
    assert _save(chain.ent, r2, "indicators", fine) == []
    _save(chain.ent, r2, "indicators", off)
    _save(chain.ent, r2, "basic", {k: v for k, v in review.detail(chain.ent, r2).answers.items()
                                   if k in ("org_name", "credit_code", "industry", "reporter", "reporter_phone")})
    answer_questionnaires(chain.ent, r2)
    warnings = reports.submit_report(chain.ent, r2)
    assert [m for m in warnings if m in expected] == expected
    d = review.detail(chain.xw, r2)
    assert (d.screening_passed, d.warnings) == (False, warnings)


def test_warnings_are_recorded_and_shown_to_reviewers(chain: Chain) -> None:
    jan = _ready(chain.ent, month_of(january=True))    # GOOD data: 本月 ≠ 1-本月 in January
    warnings = reports.submit_report(chain.ent, jan)
    assert warnings == [f"{x}：1月份{y}本月应等于{y}1-本月" for x in CUMULATIVE for y in ("本年", "上年")]
    d = review.detail(chain.xw, jan)
    assert (d.screening_passed, d.warnings) == (False, warnings)
    row = next(r for r in review.queue(chain.xw, QueueFilter(screening=False))[1] if r.id == jan)
    assert row.warning_count == len(warnings) == 6
    clean = _ready(chain.ent, month_of(quarter=True))
    assert reports.submit_report(chain.ent, clean) == []
    assert review.detail(chain.xw, clean).screening_passed is True
    assert [r.id for r in review.queue(chain.xw, QueueFilter(screening=True))[1]] == [clean]


def test_values_in_rows_not_asked_are_ignored_by_every_rule() -> None:
    # A January report with an inconsistent 工业总产值 row and assets not above 应收账款 …
    answers = with_cell("工业总产值", "cur_m", 999, indicators({"assets": (1, 1, 1, 1)}))
    industrial = messages(run(answers, period="2026-01", industrial=True), "warning")
    assert any(m.startswith("工业总产值") for m in industrial)
    # … a non-industrial enterprise is not asked for 工业总产值, and January has no quarterly 资产总计:
    ev = run(answers, period="2026-01", industrial=False)
    assert messages(ev, "warning") == [] and messages(ev) == []
    assert "output" not in ev.values["ind"] and "assets" not in ev.values["ind"]
    assert "output" not in ev.rows["ind"] and "revenue" in ev.rows["ind"]
