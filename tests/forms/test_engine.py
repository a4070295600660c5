"""The engine: visibility, branching, constraints with severity, calculations, progress, scores,
and balance rules across two periods."""
from decimal import Decimal

import yaml

from services.forms.engine import NA, Context, evaluate
from services.forms.loader import load_definition


def load(text: str):  # type: ignore[no-untyped-def]
    return load_definition(yaml.safe_load(text))


SURVEY = load("""
code: s
kind: survey
title: T
choices:
  yn: [{value: "1", label: 是}, {value: "0", label: 否}]
sections:
  - name: a
    title: A
    questions:
      - {name: exports, type: single, label: 是否出口, choices: yn, required: true,
         goto: [{if: "${exports} == '0'", to: staff}]}
      - {name: export_value, type: decimal, label: 出口额, required: true, precision: 1,
         constraints: [{rule: ". >= 0", message: 不能为负数}, {rule: ". < 1000000", message: 数值偏大请核实, severity: warning}]}
      - {name: export_share, type: percent, label: 出口占比, show_if: "${export_value} > 0"}
      - {name: staff, type: integer, label: 从业人员, required: "${org.kind} == 'enterprise'"}
      - {name: per_head, type: calculated, label: 人均出口, calculation: "round(${export_value} / ${staff}, 2)"}
      - {name: na_ok, type: text, label: 可不适用, not_applicable: true, required: true}
""")


def test_required_and_types() -> None:
    ev = evaluate(SURVEY, {"exports": "1", "export_value": "-5.25"}, Context(org={"kind": "enterprise"}))
    msgs = [f.message for f in ev.errors()]
    assert "出口额：最多保留 1 位小数。" in msgs
    assert "出口额：不能为负数" in msgs
    assert "从业人员：必填项，请填写。" in msgs
    assert "可不适用：必填项，请填写。" in msgs
    assert "export_share" not in ev.visible  # -5.25 > 0 is false


def test_required_if_depends_on_org() -> None:
    ev = evaluate(SURVEY, {"exports": "1", "export_value": "10", "na_ok": NA}, Context(org={"kind": "provider"}))
    assert ev.errors() == []


def test_branch_skips_to_later_question() -> None:
    ev = evaluate(SURVEY, {"exports": "0", "export_value": "12", "staff": "3", "na_ok": "x"})
    assert "export_value" not in ev.visible and "export_share" not in ev.visible and "staff" in ev.visible
    assert ev.values["per_head"] is None  # hidden values do not feed calculations
    assert ev.progress["a"] == (3, 3)  # exports, staff, na_ok


def test_warning_does_not_block_and_calculation() -> None:
    ev = evaluate(SURVEY, {"exports": "1", "export_value": "2000000", "staff": "3", "na_ok": "y"},
                  Context(org={"kind": "enterprise"}))
    assert ev.errors() == []
    assert [w.message for w in ev.warnings()] == ["出口额：数值偏大请核实"]
    assert ev.values["per_head"] == "666666.67"


MONTHLY = load("""
code: m
kind: monthly_report
title: 月报
period: month
sections:
  - name: ind
    title: 主要指标
    questions:
      - name: ind
        type: matrix_fill
        label: 主要经济指标
        rows:
          - {name: output, label: 工业总产值, unit: 千元, required: true}
          - {name: revenue, label: 营业收入, unit: 千元, required: true}
          - {name: assets, label: 资产总计, unit: 千元, show_if: "${period.month} in [2, 5, 8, 11, 12]"}
        cells:
          - {name: month, label: 本年本月, constraints: [{rule: ". >= 0", message: 不能为负数}]}
          - {name: ytd, label: 本年1-本月, constraints: [{rule: ". >= 0", message: 不能为负数}]}
          - {name: ytd_ly, label: 上年1-本月, required: false}
          - {name: growth, label: 累计同比增长, unit: "%", calculation: "round((${row.ytd} - ${row.ytd_ly}) / ${row.ytd_ly} * 100, 1)"}
rules:
  - {rule: "${period.month} != 1 or ${ind.output.month} == ${ind.output.ytd}", severity: warning,
     message: "1月份工业总产值本月应等于1-本月", fields: [ind.output.month, ind.output.ytd]}
  - {rule: "${ind.output.ytd} == ${ind.output.month} + prev(${ind.output.ytd})", severity: warning,
     message: "工业总产值：本年1-本月应等于本月加上月1-本月", fields: [ind.output.ytd]}
  - {rule: "${ind.revenue.ytd} >= prev(${ind.revenue.ytd})", severity: warning,
     message: "营业收入1-本月不应小于上月1-本月", fields: [ind.revenue.ytd]}
""")


def _report(month: str, ytd: str, rev_ytd: str = "100") -> dict:
    return {"ind": {"output": {"month": month, "ytd": ytd, "ytd_ly": "80"}, "revenue": {"month": "10", "ytd": rev_ytd}}}


def test_matrix_row_calc_and_month_specific_rows() -> None:
    ev = evaluate(MONTHLY, _report("50", "100"), Context(period="2026-03"))
    assert ev.values["ind"]["output"]["growth"] == "25.0"
    assert ev.errors() == []
    assert ev.warnings() == []  # no previous period: balance rules are not applied
    feb = evaluate(MONTHLY, {"ind": {**_report("50", "100")["ind"], "assets": {"month": "-1"}}}, Context(period="2026-02"))
    assert any("资产总计 › 本年本月：不能为负数" in f.message for f in feb.errors())
    mar = evaluate(MONTHLY, {"ind": {**_report("50", "100")["ind"], "assets": {"month": "-1"}}}, Context(period="2026-03"))
    assert mar.errors() == []  # the row is not shown in March


def test_balance_rules_across_two_periods() -> None:
    feb = _report("40", "60", rev_ytd="90")
    ok = evaluate(MONTHLY, _report("40", "100", rev_ytd="95"), Context(period="2026-03", previous=feb))
    assert ok.warnings() == []
    bad = evaluate(MONTHLY, _report("40", "120", rev_ytd="80"), Context(period="2026-03", previous=feb))
    assert sorted(w.message for w in bad.warnings()) == ["工业总产值：本年1-本月应等于本月加上月1-本月",
                                                        "营业收入1-本月不应小于上月1-本月"]
    assert bad.errors() == []  # warnings never block
    jan = evaluate(MONTHLY, _report("40", "45"), Context(period="2026-01"))
    assert [w.message for w in jan.warnings()] == ["1月份工业总产值本月应等于1-本月"]


def test_required_rows_and_non_numbers() -> None:
    ev = evaluate(MONTHLY, {"ind": {"output": {"month": "abc"}}}, Context(period="2026-03"))
    msgs = [f.message for f in ev.errors()]
    assert "主要经济指标 › 工业总产值 › 本年本月：须为数字。" in msgs
    assert "主要经济指标 › 营业收入 › 本年本月：必填项，请填写。" in msgs


ASSESS = load("""
code: cm
kind: self_diagnosis
title: 成熟度
choices:
  sat: [{value: n, label: 不满足, score: 0}, {value: p, label: 部分满足, score: 0.5},
        {value: m, label: 大部分满足, score: 0.8}, {value: f, label: 全部满足, score: 1}]
scoring:
  group: mean
  section: weighted_mean
  total: cumulative
  pass: 0.8
  aggregate_tags: [domain]
  outcomes:
    - {label: 一级, min: 0.8, max: 1.8}
    - {label: 二级, min: 1.8, max: 2.8}
    - {label: 三级, min: 2.8, max: 3.8}
sections:
  - name: tailor
    title: 裁剪
    questions:
      - {name: has_design, type: single, label: 是否包含设计, choices: [{value: y, label: 是}, {value: n, label: 否}]}
  - name: l1
    title: 一级
    groups:
      - {name: l1_data, title: 数据, weight: 2, tags: {domain: 数据}, questions: [
          {name: q1, type: single, label: Q1, choices: sat}, {name: q2, type: single, label: Q2, choices: sat}]}
      - {name: l1_design, title: 设计, show_if: "${has_design} == 'y'", tags: {domain: 设计}, questions: [
          {name: q3, type: single, label: Q3, choices: sat}]}
  - name: l2
    title: 二级
    groups:
      - {name: l2_data, title: 数据, tags: {domain: 数据}, questions: [{name: q4, type: single, label: Q4, choices: sat}]}
  - name: l3
    title: 三级
    groups:
      - {name: l3_data, title: 数据, tags: {domain: 数据}, questions: [{name: q5, type: single, label: Q5, choices: sat}]}
""")


def test_weighted_levels_tailoring_and_cumulative_total() -> None:
    answers = {"has_design": "y", "q1": "f", "q2": "m", "q3": "p", "q4": "f", "q5": "p"}
    sc = evaluate(ASSESS, answers).scores
    assert sc.groups["l1_data"] == Decimal("0.9")
    assert sc.sections["l1"] == (Decimal("0.9") * 2 + Decimal("0.5")) / 3  # 0.7667: level 1 not achieved
    assert sc.total == sc.sections["l1"] and sc.outcome is None
    tailored = evaluate(ASSESS, {**answers, "has_design": "n"}).scores
    assert tailored.sections["l1"] == Decimal("0.9")  # the tailored domain leaves the denominator
    assert tailored.total == Decimal("0.9") + 1 + Decimal("0.5")  # stops after the first level below 0.8
    assert tailored.outcome == "二级"
    assert tailored.by_tag["domain"]["数据"] == (Decimal("0.9") + 1 + Decimal("0.5")) / 3


def test_choice_filter_limits_options_by_earlier_answer_and_org() -> None:
    d = load("""
code: cf
kind: survey
title: T
choices:
  cities: [{value: nj, label: 南京, province: js}, {value: sz, label: 苏州, province: js}, {value: gz, label: 广州, province: gd}]
sections:
  - name: a
    title: A
    questions:
      - {name: province, type: single, label: 省, choices: [{value: js, label: 江苏}, {value: gd, label: 广东}]}
      - {name: city, type: single, label: 市, choices: cities, choice_filter: "${choice.province} == ${province}"}
      - {name: big, type: multiple, label: 大企业专属, choices: [{value: a, label: A, min_size: 大型}, {value: b, label: B}],
         choice_filter: "empty(${choice.min_size}) or ${org.size} == ${choice.min_size}"}
""")
    ev = evaluate(d, {"province": "gd"}, Context(org={"size": "小型"}))
    assert ev.choices == {"city": ["gz"], "big": ["b"]}
    bad = evaluate(d, {"province": "gd", "city": "nj", "big": ["a"]}, Context(org={"size": "小型"}))
    assert {f.question for f in bad.errors()} == {"city", "big"}
    assert evaluate(d, {"province": "js", "city": "nj", "big": ["a"]}, Context(org={"size": "大型"})).errors() == []


def test_gate_hides_later_scored_sections_until_reached() -> None:
    doc = yaml.safe_load("""
code: g
kind: self_diagnosis
title: G
choices:
  sat: [{value: "0", label: 不满足, score: 0}, {value: "1", label: 满足, score: 1}]
scoring: {total: cumulative, pass: 0.8}
sections:
  - {name: l1, title: 一级, gate: 0.8, questions: [{name: a, type: single, label: A, choices: sat, required: true}]}
  - {name: l2, title: 二级, gate: 0.8, questions: [{name: b, type: single, label: B, choices: sat, required: true}]}
  - {name: extra, title: 成效, questions: [{name: note_pct, type: decimal, label: 提高率, required: true}]}
""")
    d = load_definition(doc)
    assert evaluate(d, {}).visible_sections == ["l1", "extra"]
    failed = evaluate(d, {"a": "0", "note_pct": "1"})
    assert failed.visible_sections == ["l1", "extra"] and failed.errors() == []  # l2 is not required
    passed = evaluate(d, {"a": "1", "note_pct": "1"})
    assert passed.visible_sections == ["l1", "l2", "extra"] and [f.question for f in passed.errors()] == ["b"]


def test_non_finite_and_huge_numbers_get_a_message_naming_the_field() -> None:
    """NaN, sNaN, Infinity and 1e309 parse as Decimals; they must be refused with a message, never
    raise (decimal.InvalidOperation) or reach a comparison, a sum or a database column."""
    for raw, says in [("sNaN", "有限"), ("NaN", "有限"), ("-Infinity", "有限"), ("inf", "有限"),
                      ("1e309", "数值范围"), ("-1E15", "数值范围"), ("1e-400", "小数位数"), ("abc", "须为数字")]:
        for question in ("export_value", "staff"):
            ev = evaluate(SURVEY, {"exports": "1", "export_value": "1", "staff": "1", "na_ok": "x", question: raw},
                          Context(org={"kind": "enterprise"}))
            label = {"export_value": "出口额", "staff": "从业人员"}[question]
            msgs = [f.message for f in ev.errors()]
            assert any(m.startswith(f"{label}：") and says in m for m in msgs), (raw, msgs)
            assert ev.values["per_head"] is None or raw in ("abc",)  # nothing non-finite reaches a calculation
    ok = evaluate(SURVEY, {"exports": "1", "export_value": "999999999999999", "staff": "3", "na_ok": "x"},
                  Context(org={"kind": "enterprise"}))
    assert not [f for f in ok.errors() if f.question == "export_value"]


def test_matrix_cells_refuse_non_finite_numbers() -> None:
    d = load("""
code: m
kind: survey
title: T
sections:
  - name: a
    title: A
    questions:
      - name: ind
        type: matrix_fill
        label: 指标
        rows: [{name: r1, label: 营业收入}]
        cells: [{name: v, label: 本月, type: decimal}]
""")
    msgs = [f.message for f in evaluate(d, {"ind": {"r1": {"v": "sNaN"}}}).errors()]
    assert msgs == ["指标 › 营业收入 › 本月：须为有限的数字（不接受 NaN、Infinity 等）。"]
