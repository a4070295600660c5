"""specs/quality/quality_capability.yaml: its structure, and each broken grading rule has its D-code."""
from __future__ import annotations

from typing import Any

import pytest

from services.core import spec_check
from services.forms.loader import load_definition
from services.forms.schema import DefinitionInvalid
from tests.quality.shipped import PATH, model, raw


def _codes(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionInvalid) as err:
        load_definition(doc, "quality.yaml")
    return [(i.code, i.message) for i in err.value.issues]


def _group(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for s in doc["sections"] for g in s.get("groups", []) if g["name"] == name)


def test_the_shipped_model() -> None:
    d = model()
    g = d.assessment.grading  # type: ignore[union-attr]
    assert g is not None and [x.label for x in g.levels] == ["经验级", "检验级", "保证级", "预防级", "卓越级"]
    assert (g.partial_max, g.min_clauses, g.first_level, g.overall) == (2, 2, "min", "min")
    assert [s.title for s in d.sections] == ["6.2 质量管理体系的有效性", "6.3 质量管理数字化",
                                             "6.4 持续改进提升的能力", "质量绩效参数"]
    per: dict[tuple[str, str], int] = {}
    for s in d.sections[:3]:
        for grp in s.groups:
            key = (grp.tags["indicator"], grp.tags["tier"])
            per[key] = per.get(key, 0) + 1
    assert len({k[0] for k in per}) == 13 and min(per.values()) >= 2 and len(per) == 13 * 5
    assert len(d.sections[3].groups) == 11


def test_check_specs_reads_the_quality_folder() -> None:
    assert spec_check.checker_for(PATH) is spec_check.check_form
    assert not [p for p in spec_check.check_all() if "quality" in p.file]
    broken = raw()
    broken["assessment"]["grading"]["partial_max"] = -1
    assert ("D023", "partial_max 须为不小于 0 的整数，而不是「-1」") in _codes(broken)


@pytest.mark.parametrize("key,value,fragment", [
    ("first_level", "max", "first_level 须为 min / floor_mean 之一"),
    ("overall", "mean", "overall 须为 min / floor_mean 之一"),
    ("min_clauses", 0, "min_clauses 须为不小于 1 的整数"),
    ("sections", ["q62", "ghost"], "部分「ghost」不存在"),
    ("performance_section", "q62", "performance_section「q62」须为已有的、不参与评级的部分"),
    ("values", {"full": "2", "partial": "2", "none": "0"}, "三个不同的选项值"),
    ("levels", [], "至少要有一个等级"),
])
def test_bad_grading_settings_are_d023(key: str, value: Any, fragment: str) -> None:
    doc = raw()
    doc["assessment"]["grading"][key] = value
    assert any(c == "D023" and fragment in m for c, m in _codes(doc))


def test_clause_groups_are_d024() -> None:
    doc = raw()
    _group(doc, "c621_11")["tags"] = {"indicator": "6.2.1 顾客需求关注"}           # no tier tag
    _group(doc, "c621_12")["questions"][2]["required"] = True                      # evidence even for 不符合
    _group(doc, "c621_21")["questions"][1]["required"] = False                     # description optional
    _group(doc, "c621_22")["questions"][0]["choices"] = [{"value": "2", "label": "符合"}, {"value": "0", "label": "不符合"}]
    codes = _codes(doc)
    assert [c for c, _ in codes].count("D024") == 4
    assert any("c621_12_files 的 required 须为「${c621_12_conf} != '0'」" in m for _, m in codes)
    assert any("必填的符合性情况描述 c621_21_desc" in m for _, m in codes)


def test_clause_count_and_order_are_d025() -> None:
    doc = raw()
    q62 = doc["sections"][0]["groups"]
    q62.remove(_group(doc, "c626_52"))                                             # 卓越级 of 6.2.6: one clause
    i, j = q62.index(_group(doc, "c621_11")), q62.index(_group(doc, "c621_21"))
    q62[i], q62[j] = q62[j], q62[i]                                                # 检验级 before 经验级
    codes = [(c, m) for c, m in _codes(doc) if c == "D025"]
    assert any("「6.2.6 关系管理」的卓越级只有 1 条条款，至少须有 2 条" in m for _, m in codes)
    assert any("「6.2.1 顾客需求关注」的条款须按等级从低到高排列" in m for _, m in codes)


def test_performance_groups_are_d026() -> None:
    doc = raw()
    perf = doc["sections"][3]["groups"]
    perf[0]["questions"][2]["calculation"] = "${p01_cost} / ${p02_output} * 100"   # another indicator's input
    perf[1]["questions"] = [q for q in perf[1]["questions"] if q["type"] != "calculated"]
    codes = [m for c, m in _codes(doc) if c == "D026"]
    assert len(codes) == 2 and any("['p02_output'] 不是" in m for m in codes)
