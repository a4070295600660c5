"""提交 only when every clause and parameter is complete; what is missing is named, with where it is."""
from __future__ import annotations

from services.assessment.completeness import (CONFORMITY_WORDS, DESCRIPTION_WORDS, EVIDENCE_WORDS, Missing,
                                              missing, summary)
from tests.quality.shipped import all_clauses, clause, model
from tests.quality.test_performance import _inputs


def _complete() -> dict[str, object]:
    out: dict[str, object] = {**all_clauses("2"), **_inputs()}
    for grp in model().sections[3].groups:
        out[f"{grp.name}_basis"] = "2025 年财务报表"
        out[f"{grp.name}_desc"] = "按年度统计。"
    return out


def test_a_complete_assessment_may_be_submitted() -> None:
    assert missing(model(), _complete()) == []
    assert summary(model(), []) == "全部条款和质量绩效参数已填写完整，可以提交。"


def test_nothing_answered_lists_every_clause_and_parameter() -> None:
    items = missing(model(), {})
    clauses = [m for m in items if m.section != "perf"]
    assert len(clauses) == 130 * 2                                        # conformity + description each
    assert {m.what for m in clauses} == {CONFORMITY_WORDS, DESCRIPTION_WORDS}  # no evidence asked before a choice
    assert len([m for m in items if m.section == "perf"]) == 11 * 4       # 2 inputs, basis, description
    assert summary(model(), items) == ("还有未完成的内容，暂不能提交：6.2 质量管理体系的有效性 60 条条款，"
                                       "6.3 质量管理数字化 40 条条款，6.4 持续改进提升的能力 30 条条款，质量绩效参数 11 项。")


def test_each_missing_part_is_named_with_its_place() -> None:
    a = _complete()
    a.pop("c621_11_files")                                                # 符合 without evidence
    a.update(clause("c621_12", "0", desc=" "))                            # 不符合: no evidence needed, no description
    a["c643_52_conf"] = "3"                                               # not a choice
    a["p01_output"] = 0                                                   # zero divisor
    a["p11_basis"] = ""
    assert missing(model(), a) == [
        Missing("q62", "c621_11", "6.2.1 顾客需求关注", "6.2.1.1.1 接到顾客投诉后能够处理并答复", EVIDENCE_WORDS),
        Missing("q62", "c621_12", "6.2.1 顾客需求关注", "6.2.1.1.2 记录主要顾客的基本要求", DESCRIPTION_WORDS),
        Missing("q64", "c643_52", "6.4.3 质量文化与品牌", "6.4.3.5.2 获得省级以上质量奖项", CONFORMITY_WORDS),
        Missing("perf", "p01", "内部质量损失率", "内部质量损失率",
                "「年度工业总产值」为 0，无法计算内部质量损失率（除数不能为 0），请填写大于 0 的数值。"),
        Missing("perf", "p11", "单位产值综合能耗", "数据依据（来源的报表、台账或系统）", "未填写「数据依据（来源的报表、台账或系统）」"),
    ]
