"""The ``assessment:`` block is validated at load: each broken rule has its code and names the item."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from services.forms.definitions import SPECS
from services.forms.loader import check_file, load_definition, load_file
from services.forms.schema import DefinitionInvalid
from tests.assessment.model import DOC, doc


def _issues(d: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    with pytest.raises(DefinitionInvalid) as err:
        load_definition(d, "mini.yaml")
    return [(i.code, i.where, i.message) for i in err.value.issues]


def test_the_inline_model_and_the_self_diagnosis_load() -> None:
    m = load_definition(copy.deepcopy(DOC)).assessment
    assert m is not None and [t.gate for t in m.tiers] == [0.6, 0.6, 0.6]
    assert (m.limit_per, m.limit_max, m.assessor_sections, m.tailorable) == ("quarter", 2, ("review",),
                                                                             (("process", "过程控制"),))
    cmmm = load_file(SPECS / "cmmm" / "self_diagnosis.yaml").assessment
    assert cmmm is not None and [t.label for t in cmmm.tiers][0] == "一级 规划级" and cmmm.limit_max == 3
    assert [d.name for d in cmmm.dimensions] == ["domain", "subdomain"] and len(cmmm.dimension("subdomain").values) == 20


@pytest.mark.parametrize("change, code, where, words", [
    ({"tiers": [{"section": "nope"}]}, "D018", "等级 1（nope）", "不存在"),
    ({"tiers": [{"section": "t1", "outcome": "卓越级"}]}, "D018", "等级 1（t1）", "卓越级"),
    ({"tiers": [{"section": "t1"}, {"section": "t1"}]}, "D018", "等级 2（t1）", "重复"),
    ({"tiers": [{"section": "scope"}]}, "D018", "等级 1（scope）", "gate"),
    ({"tailoring": {"question": "t1_lead_evidence"}}, "D019", "tailoring", "多选题"),
    ({"tailoring": {"question": "skip", "options": {"quality": "质量"}}}, "D019", "tailoring", "quality"),
    ({"limit": {"per": "week", "max": 2}}, "D020", "limit", "week"),
    ({"limit": {"per": "month", "max": 0}}, "D020", "limit", "max"),
    ({"assessor": {"permission": "quality.assess", "sections": ["t1"]}}, "D021", "部分 t1", "企业作答"),
    ({"assessor": {"permission": "quality.assess", "sections": ["gone"]}}, "D021", "部分 gone", "不存在"),
    ({"assessor": {"permission": "quality.nobody", "sections": ["review"]}}, "D021", "assessor", "quality.nobody"),
    ({"dimensions": [{"name": "indicator", "values": ["领导作用"]}]}, "D022", "维度 1（indicator）", "过程控制"),
    ({"dimensions": [{"name": "clause", "values": ["x"]}]}, "D022", "维度 1（clause）", "aggregate_tags"),
])
def test_each_rule_has_its_code_and_names_the_item(change: dict, code: str, where: str, words: str) -> None:  # type: ignore[type-arg]
    issues = _issues(doc(**change))
    assert any(c == code and where in w and words in m for c, w, m in issues), issues


def test_check_file_reports_code_file_item_message(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc(limit={"per": "week"}), allow_unicode=True), encoding="utf-8")
    [(code, file, item, message)] = check_file(path)
    assert (code, file, item) == ("D020", str(path), "测评（assessment） › limit") and "week" in message
    assert check_file(SPECS / "cmmm" / "self_diagnosis.yaml") == []


def test_check_specs_reports_the_assessment_codes(tmp_path: Path) -> None:
    from services.core import spec_check
    (tmp_path / "quality").mkdir()
    bad = doc(limit={"per": "month", "max": 0}, assessor={"permission": "quality.assess", "sections": ["t2"]})
    (tmp_path / "quality" / "mini.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    problems = spec_check.check_all(tmp_path)
    assert {(p.code, p.item) for p in problems} == {("D020", "测评（assessment） › limit"),
                                                    ("D021", "测评（assessment） › assessor › 部分 t2")}
    assert spec_check.main(tmp_path) == 1
