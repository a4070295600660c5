"""Definitions ⇄ Excel workbooks (XLSForm-style): lossless round trips, a pleasant layout, no formula
injection, and readable errors naming the sheet and the Excel row."""
import io
from typing import Any, Callable

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from services.forms.engine import Context, evaluate
from services.forms.definitions import SPECS
from services.forms.loader import load_definition, read_document
from services.forms.schema import DefinitionInvalid
from services.forms.xlsform import SHEETS, XLS_CODES, from_workbook, to_workbook

SURVEY = yaml.safe_load(r"""
code: ent_survey
kind: survey
title: 企业基本情况调查
description: '=HYPERLINK("http://example.invalid", "点我")'
version: 3
settings: {columns: 2}
choices:
  yn: [{value: "1", label: 是, score: 1}, {value: "0", label: 否, score: 0}]
  scale: [非常满意, 满意, 一般, 不满意]
  region:
    - {value: east, label: 东部, area: coastal, rank: 1}
    - {value: west, label: 西部, area: inland, rank: 2, codes: [61, 62]}
    - {value: "007", label: "=其他", area: "+other"}
sections:
  - name: basic
    title: 基本信息
    description: "@请先填写基本信息"
    questions:
      - {name: intro, type: note, label: "-- 本问卷约需 10 分钟 --"}
      - {name: exports, type: select_one, label: "=是否出口", help: "+以海关数据为准", choices: yn, required: true,
         columns: 2, goto: [{if: "${exports} == '0'", to: staff}, {if: "${exports} == '9'", to: end}]}
      - {name: export_value, type: decimal, label: 出口额, unit: 万元, precision: 1, min: 0, max: 1000000,
         example: "-1 表示不详", required: true,
         constraints: [". >= 0", {rule: ". < 1000000", message: 数值偏大请核实, severity: warning}]}
      - {name: export_share, type: percent, label: 出口占比, show_if: "${export_value} > 0", not_applicable: true}
      - {name: staff, type: int, label: 从业人员, required: "${org.kind} == 'enterprise'", tags: {topic: 人员, order: 1}}
      - {name: per_head, type: calculated, label: 人均出口, calculation: "round(${export_value} / ${staff}, 2)"}
      - {name: region, type: single, label: 所在地区, choices: region,
         choice_filter: "${choice.area} != 'inland' or ${staff} > 10"}
      - {name: channels, type: multiple, label: 销售渠道, required: "${exports} == '1'",
         choices: [{value: online, label: 线上}, {value: offline, label: 线下, score: 2}, {value: other, label: "@其他"}]}
      - {name: satisfied, type: single, label: 满意度, choices: scale}
      - {name: rating, type: rating, label: 总体评价, max: 10, weight: 2, score: "${rating} / 10"}
      - {name: founded, type: date, label: 成立日期, example: 2020-01-01}
      - {name: report_month, type: month, label: 报告月份}
      - {name: licence, type: file, label: 营业执照, file_types: [pdf, .PNG], max_mb: 5, required: true}
      - {name: evidence, type: file, label: 其他佐证}
      - {name: remark, type: textarea, label: 备注, help: "第一行\r\n第二行\t制表 _x000D_ 字面量"}
  - name: people
    title: 人员
    show_if: "${staff} > 0"
    weight: 0.5
    groups:
      - name: staff_list
        title: 人员名单
        repeat: {min: 1, max: 20, add_label: 添加人员}
        questions:
          - {name: person, type: text, label: 姓名, required: true}
          - {name: age, type: integer, label: 年龄, min: 16, max: 80}
      - name: vehicles
        title: 车辆
        repeat: true
        questions:
          - {name: plate, type: text, label: 车牌}
      - name: summary
        title: 汇总
        show_if: "count(${staff_list}) > 0"
        tags: {topic: 人员}
        questions:
          - {name: avg_age, type: calculated, label: 平均年龄, calculation: "mean(${staff_list.age})"}
          - {name: sat_matrix, type: matrix_single, label: 各项满意度, choices: scale,
             rows: [{name: pay, label: 薪酬}, {name: env, label: 环境, show_if: "${staff} > 5", required: true}]}
          - {name: multi_matrix, type: matrix_multiple, label: 多选矩阵,
             choices: [{value: a, label: A}, {value: b, label: B}], rows: [{name: r1, label: 行1}]}
rules:
  - {rule: "${staff} >= count(${staff_list})", message: 人员名单不能多于从业人员, severity: warning,
     fields: [staff, staff_list]}
""")

MONTHLY = yaml.safe_load("""
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
        help: 金额单位：千元
        constraints: [{rule: "${ind.revenue.month} <= ${ind.revenue.ytd}", message: 本月不应大于累计}]
        rows:
          - {name: output, label: 工业总产值, unit: 千元, required: true}
          - {name: revenue, label: 营业收入, unit: 千元, required: true}
          - {name: assets, label: 资产总计, unit: 千元, show_if: "${period.month} in [2, 5, 8, 11, 12]"}
        cells:
          - {name: month, label: 本年本月, constraints: [{rule: ". >= 0", message: 不能为负数},
                                                        {rule: ". < 1e9", message: "+数值过大", severity: warning}]}
          - {name: ytd, label: 本年1-本月, precision: 1, constraints: [{rule: ". >= 0", message: 不能为负数}]}
          - {name: ytd_ly, label: 上年1-本月, required: false}
          - {name: staff, label: 人数, type: integer}
          - {name: note, label: 说明, type: text}
          - {name: growth, label: 累计同比增长, unit: "%", type: calculated,
             calculation: "round((${row.ytd} - ${row.ytd_ly}) / ${row.ytd_ly} * 100, 1)"}
      - {name: total_ytd, type: calculated, label: 合计, calculation: "${ind.output.ytd} + ${ind.revenue.ytd}"}
rules:
  - {rule: "${period.month} != 1 or ${ind.output.month} == ${ind.output.ytd}", severity: warning,
     message: "1月份工业总产值本月应等于1-本月", fields: [ind.output.month, ind.output.ytd]}
  - {rule: "${ind.output.ytd} == ${ind.output.month} + prev(${ind.output.ytd})", severity: warning,
     message: "工业总产值：本年1-本月应等于本月加上月1-本月", fields: [ind.output.ytd]}
  - "${ind.revenue.ytd} >= 0"
""".replace("1e9", "1000000000"))

ASSESS = yaml.safe_load("""
code: cm
kind: self_diagnosis
title: 成熟度
choices:
  sat: [{value: n, label: 不满足, score: 0}, {value: p, label: 部分满足, score: 0.5},
        {value: m, label: 大部分满足, score: 0.8}, {value: f, label: 全部满足, score: 1}]
scoring: {group: mean, section: weighted_mean, total: cumulative, pass: 0.8, aggregate_tags: [domain],
          outcomes: [{label: 一级, min: 0.8, max: 1.8}, {label: 二级, min: 1.8, max: 2.8}]}
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
""")

BASIC = yaml.safe_load("""
code: demo
kind: survey
title: 测试问卷
choices:
  yn: [{value: "1", label: 是, score: 1}, {value: "0", label: 否, score: 0}]
sections:
  - name: s1
    title: 第一部分
    questions:
      - {name: has_it, type: select_one, label: 是否有, choices: yn, columns: 2, help: 帮助文字}
      - {name: amount, type: decimal, label: 金额, unit: 万元, precision: 2, show_if: "${has_it} == '1'"}
""")

DOMAINS = ["战略", "组织", "数据", "集成", "信息安全", "设计", "工艺", "采购", "计划调度", "生产作业", "设备管理",
           "安全环保", "仓储配送", "能源管理", "物流", "销售", "客户服务", "产品服务", "人员技能", "技术创新"]


def cmmm() -> dict[str, Any]:
    """A 20-section maturity self-assessment: a tailoring section plus 19 capability domains × 3 levels."""
    sections: list[dict[str, Any]] = [{"name": "scope", "title": "评估范围", "description": "=先确定评估范围", "questions": [
        {"name": "has_design", "type": "single", "label": "是否涉及产品设计", "required": True,
         "choices": [{"value": "y", "label": "是"}, {"value": "n", "label": "否"}]},
        {"name": "excluded", "type": "multiple", "label": "不适用的能力域", "columns": 4,
         "choices": [{"value": f"d{i:02d}", "label": d} for i, d in enumerate(DOMAINS[1:], 1)]}]}]
    for i, domain in enumerate(DOMAINS[1:], 1):
        groups = []
        for level in (1, 2, 3):
            g = f"d{i:02d}_l{level}"
            groups.append({"name": g, "title": f"{domain} {level} 级", "weight": level,
                           "tags": {"domain": domain, "level": f"L{level}"},
                           "questions": [
                               {"name": f"{g}_q1", "type": "single", "label": f"{domain}：制度是否建立", "choices": "sat",
                                "help": "+ 请对照标准条款", "not_applicable": level == 3},
                               {"name": f"{g}_q2", "type": "single", "label": f"{domain}：是否有效执行",
                                "choices": "sat", "weight": 1.5, "tags": {"clause": f"{i}.{level}.2"}},
                               {"name": f"{g}_ev", "type": "file", "label": "佐证材料", "file_types": ["pdf", "docx"],
                                "required": f"${{{g}_q2}} in ['m', 'f']", "weight": 0}]})
        section: dict[str, Any] = {"name": f"d{i:02d}", "title": domain, "weight": 1 + i % 3, "groups": groups,
                                   "show_if": f"not selected(${{excluded}}, 'd{i:02d}')"}
        if domain == "设计":
            section["show_if"] = "${has_design} == 'y'"
        if i % 5 == 0:
            section["gate"] = 0.5
        sections.append(section)
    return {"code": "cmmm", "kind": "self_assessment", "title": "智能制造能力成熟度自评估", "version": 2,
            "description": "依据 GB/T 39116", "columns": 2, "sections": sections,
            "choices": {"sat": [{"value": "n", "label": "不满足", "score": 0}, {"value": "p", "label": "部分满足", "score": 0.5},
                                {"value": "m", "label": "大部分满足", "score": 0.8},
                                {"value": "f", "label": "全部满足", "score": 1, "hint": "-全部条款满足"}]},
            "scoring": {"group": "weighted_mean", "section": "weighted_mean", "total": "cumulative", "pass": 0.8,
                        "decimals": 3, "aggregate_tags": ["domain", "level"],
                        "outcomes": [{"label": "一级 规划级", "min": 0.8, "max": 1.8},
                                     {"label": "二级 规范级", "min": 1.8, "max": 2.8},
                                     {"label": "三级 集成级", "min": 2.8, "max": 3, "max_inclusive": True}]},
            "rules": [{"rule": "${has_design} == 'y' or not selected(${excluded}, 'd05')", "severity": "warning",
                       "message": "未涉及设计时请勿排除设计能力域", "fields": ["has_design", "excluded"]}]}


DOCS = {"survey": SURVEY, "monthly": MONTHLY, "assess": ASSESS, "basic": BASIC, "cmmm": cmmm(),
        **{f"specs/{p.stem}": read_document(p.read_text(encoding="utf-8"), str(p))
           for p in sorted((SPECS / "monitor").glob("*.yaml"))}}


def roundtrip(doc: dict[str, Any]) -> dict[str, Any]:
    back = from_workbook(to_workbook(doc))
    assert load_definition(back) == load_definition(doc)
    assert from_workbook(to_workbook(back)) == back  # the read-back document is a fixed point
    return back


@pytest.mark.parametrize("name", sorted(DOCS))
def test_round_trip_is_lossless(name: str) -> None:
    roundtrip(DOCS[name])


def test_cmmm_has_twenty_sections_and_scores_the_same() -> None:
    original, back = load_definition(DOCS["cmmm"]), load_definition(roundtrip(DOCS["cmmm"]))
    assert len(back.sections) == 20 and back.scoring and back.scoring.outcomes[-1].max_inclusive
    assert back.group_of("d03_l2_q1").tags == {"domain": "集成", "level": "L2"}
    answers = {"has_design": "y", **{q.name: "f" for q in back.questions() if q.type == "single" and q.name != "has_design"}}
    assert evaluate(back, answers).scores == evaluate(original, answers).scores


def test_monthly_rules_still_work_after_round_trip() -> None:
    d = load_definition(roundtrip(MONTHLY))
    feb = {"ind": {"output": {"month": "40", "ytd": "60"}, "revenue": {"month": "10", "ytd": "90"}}}
    bad = {"ind": {"output": {"month": "40", "ytd": "120", "ytd_ly": "80"}, "revenue": {"month": "10", "ytd": "95"}}}
    ev = evaluate(d, bad, Context(period="2026-03", previous=feb))
    assert [w.message for w in ev.warnings()] == ["工业总产值：本年1-本月应等于本月加上月1-本月"]
    assert ev.warnings()[0].fields == ("ind.output.ytd",)
    assert ev.values["ind"]["output"]["growth"] == "50.0"


def test_layout_sheets_headers_and_validation() -> None:
    wb = load_workbook(io.BytesIO(to_workbook(SURVEY)))
    assert wb.sheetnames == ["说明", "survey", "choices", "settings", "rules", "scoring", "outcomes", "_lists"]
    assert wb["_lists"].sheet_state == "hidden"
    survey = wb["survey"]
    heads = [c.value for c in survey[1]]
    assert heads[:4] == ["type", "name", "label", "hint"] and "tag:topic" in heads and "tag:order" in heads
    for ws in wb.worksheets[:-1]:
        assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
    rules = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in survey.data_validations.dataValidation}
    assert "_lists" in rules["A2"] and rules[f"{chr(65 + heads.index('severity'))}2"] == '"error,warning"'
    assert wb["rules"].data_validations.dataValidation[0].formula1 == '"error,warning"'
    assert survey.column_dimensions["C"].width > survey.column_dimensions["A"].width > 8
    kinds = [r[0] for r in survey.iter_rows(min_row=2, values_only=True)]
    assert kinds[:3] == ["begin_section", "note", "select_one"] and kinds.count("begin_repeat") == 2
    assert kinds[kinds.index("select_one") + 1] == "goto" and "constraint" in kinds
    sheet = {r[0]: r for r in wb["说明"].iter_rows(values_only=True)}
    assert "survey" in sheet and "工作表" in sheet


def test_matrix_rows_and_cells_are_rows_of_their_own() -> None:
    survey = load_workbook(io.BytesIO(to_workbook(MONTHLY)))["survey"]
    rows = [(r[0], r[1]) for r in survey.iter_rows(min_row=2, max_col=2, values_only=True)]
    assert rows[:6] == [("begin_section", "ind"), ("matrix_fill", "ind"), ("row", "output"), ("row", "revenue"),
                        ("row", "assets"), ("cell", "month")]
    assert rows[6] == ("constraint", None)  # the second rule of cell "month"


def test_inline_choices_get_a_generated_list_name() -> None:
    wb = load_workbook(io.BytesIO(to_workbook(SURVEY)))
    lists = [r[0] for r in wb["choices"].iter_rows(min_row=2, values_only=True)]
    assert lists.count("channels") == 3 and lists.count("multi_matrix") == 2 and lists.count("region") == 3
    heads = [c.value for c in wb["choices"][1]]
    assert heads[:4] == ["list_name", "value", "label", "score"] and {"area", "rank", "codes"} <= set(heads)
    back = roundtrip(SURVEY)
    channels = [q for q in back["sections"][0]["questions"] if q["name"] == "channels"][0]
    assert channels["choices"] == "channels" and back["choices"]["region"][1]["codes"] == [61, 62]
    clash = {**BASIC, "choices": {**BASIC["choices"], "has_it": [{"value": "x"}]}}
    clash["sections"] = [{**BASIC["sections"][0], "questions": [
        {**BASIC["sections"][0]["questions"][0], "choices": [{"value": "1", "label": "是"}]}]}]
    assert from_workbook(to_workbook(clash))["sections"][0]["questions"][0]["choices"] == "has_it_2"
    roundtrip(clash)


def test_no_formula_injection_and_text_kept_exactly() -> None:
    wb = load_workbook(io.BytesIO(to_workbook(SURVEY)))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert len(risky) >= 6 and all(c.data_type == "s" and c.quotePrefix for c in risky)
    d = load_definition(from_workbook(to_workbook(SURVEY)))
    assert d.question("exports").label == "=是否出口" and d.question("exports").help == "+以海关数据为准"
    assert d.description.startswith("=HYPERLINK(") and d.sections[0].description == "@请先填写基本信息"
    assert d.question("remark").help == "第一行\r\n第二行\t制表 _x000D_ 字面量"
    assert d.question("region").choices[2].label == "=其他" and d.question("region").choices[2].value == "007"
    assert d.question("export_value").example == "-1 表示不详"


def test_empty_and_default_values() -> None:
    doc = {"code": "e", "kind": "survey", "title": "T", "sections": [
        {"name": "s", "title": "", "questions": [{"name": "a", "type": "text", "label": "A"},
                                                 {"name": "m", "type": "matrix_fill", "label": "M",
                                                  "rows": [{"name": "r", "label": ""}], "cells": [{"name": "c"}]}]}],
        "scoring": {"outcomes": []}}
    back = roundtrip(doc)
    assert load_definition(back).sections[0].title == "" and load_definition(back).scoring is not None


# --- errors ----------------------------------------------------------------------------------
def edited(doc: dict[str, Any], change: Callable[[Any], None]) -> bytes:
    wb = load_workbook(io.BytesIO(to_workbook(doc)))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def issues(data: bytes) -> list[tuple[str, str, str]]:
    with pytest.raises(DefinitionInvalid) as err:
        from_workbook(data)
    return [(i.code, i.message, i.where) for i in err.value.issues]


def test_missing_survey_sheet_and_not_a_workbook() -> None:
    found = issues(edited(BASIC, lambda wb: wb.remove(wb["survey"])))
    assert found[0][0] == "X001" and "survey" in found[0][1]
    assert issues(b"not a workbook")[0][0] == "X005"
    assert set(XLS_CODES) >= {"X001", "X002", "X003", "X004", "X005"}


def test_unknown_type_is_reported_by_the_definition_validator() -> None:
    doc = {**BASIC, "sections": [{"name": "s1", "title": "S", "questions": [{"name": "a", "type": "nonsense", "label": "A"}]}]}
    with pytest.raises(DefinitionInvalid) as err:
        load_definition(from_workbook(to_workbook(doc)))
    assert [i.code for i in err.value.issues] == ["D002"]


def test_bad_row_kind_names_sheet_and_row() -> None:
    def change(wb: Any) -> None:
        wb["survey"].insert_rows(3)
        wb["survey"]["A3"], wb["survey"]["B3"] = "cell", "orphan"   # a matrix cell right after begin_section

    (code, message, where), = issues(edited(BASIC, change))
    assert code == "X004" and message.startswith("survey 表第 3 行：") and where == "survey!3"
    found = issues(edited(BASIC, lambda wb: wb["survey"].delete_rows(2)))  # begin_section removed
    assert {c for c, _, _ in found} == {"X004"} and "survey 表第 2 行" in found[0][1]


def test_bad_columns_and_cells() -> None:
    def change(wb: Any) -> None:
        ws = wb["survey"]
        heads = [c.value for c in ws[1]]
        ws.cell(1, len(heads) + 1, "colour")
        ws.cell(3, heads.index("gate") + 1, 0.5)              # gate on a question row
        ws.cell(4, heads.index("weight") + 1, "heavy")        # not a number
        ws.cell(4, heads.index("label") + 1, "=1+1")          # a real formula typed by hand
        wb["settings"]["A3"] = "second"

    found = issues(edited(BASIC, change))
    assert ("X002", "survey 表第 1 行：未知的列「colour」", "survey!AD1") in found
    assert any(c == "X002" and m.startswith("survey 表第 3 行：") and "gate" in m for c, m, _ in found)
    weight = get_column_letter(SHEETS["survey"].index("weight") + 1)
    assert ("X003", "survey 表第 4 行：「weight」列应为数字，而不是「heavy」", f"survey!{weight}4") in found
    assert any(c == "X003" and "C4 是公式" in m for c, m, _ in found)
    assert any(c == "X003" and m.startswith("settings 表第 3 行") for c, m, _ in found)


def test_unclosed_group_and_mismatched_end() -> None:
    found = issues(edited(ASSESS, lambda wb: wb["survey"].delete_rows(wb["survey"].max_row)))
    assert found == [("X004", "survey 表第 5 行：此行开始的部分没有结束行", "survey!5")]
    found = issues(edited(ASSESS, lambda wb: wb["survey"].delete_rows(wb["survey"].max_row - 1)))
    assert found[0][0] == "X004" and found[0][1].startswith("survey 表第 12 行：end_section")

    def swap(wb: Any) -> None:
        ws = wb["survey"]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "end_group")
        row[0].value = "end_repeat"

    assert issues(edited(ASSESS, swap))[0][0] == "X004"


def test_hand_made_xlsform_style_workbook() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in [["type", "name", "label", "help", "precision", "not_applicable", "relevant"],
                ["begin section", "s1", "第一部分"],
                ["select_one yn", "has_it", "是否有", "说明"],
                ["decimal", "amount", "金额", None, "2", "否", "${has_it} == '1'"],
                ["end section"]]:
        ws.append(row)
    choices = wb.create_sheet("choices")
    for row in [["list_name", "value", "label", "score"], ["yn", 1, "是", "1"], ["yn", 0, "否", 0]]:
        choices.append(row)
    settings = wb.create_sheet("Settings")
    settings.append(["code", "kind", "title"])
    settings.append(["demo", "survey", "测试问卷"])
    out = io.BytesIO()
    wb.save(out)
    d = load_definition(from_workbook(out.getvalue()))
    amount = d.question("amount")
    assert amount.precision == 2 and amount.not_applicable is False and amount.show_if == "${has_it} == '1'"
    assert d.question("has_it").type == "single" and [c.value for c in d.question("has_it").choices] == ["1", "0"]
    assert d.question("has_it").choices[0].score == 1.0 and d.question("has_it").help == "说明"


def test_monitoring_settings_and_row_rules_survive_the_round_trip() -> None:
    back = roundtrip(DOCS["specs/monthly_report"])
    assert back["settings"] == {"prev_requires": "approved"}
    row = next(r for r in load_definition(back).question("ind").rows if r.name == "revenue")
    assert [c.rule for c in row.constraints] == [". >= 0"]
    assert roundtrip(DOCS["specs/power_cut_survey"])["settings"]["monitor"] == {"audience": "manufacturing"}
