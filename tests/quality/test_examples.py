"""评估示例 (specs/examples/quality_capability.yaml, services/quality/examples.py): the shipped file covers
every clause and passes check-specs; a broken file yields each coded problem; the sequence follows the
definition's clause order. The dialog and the browse page run in AppTest (tests/pages/test_quality_admin_pages.py)."""
from __future__ import annotations

from pathlib import Path

import yaml

from services.core import spec_check
from services.forms.definitions import NOT_FORMS
from services.quality import examples as ex
from tests.quality.shipped import model

SHIPPED = ex.FOLDER / "quality_capability.yaml"


def _clauses() -> list[str]:
    d = model()
    g = d.assessment.grading  # type: ignore[union-attr]
    return [grp.name for s in d.sections if s.name in g.sections for grp in s.groups]  # type: ignore[union-attr]


def test_the_shipped_examples_cover_every_clause_in_order() -> None:
    assert ex.check_file(SHIPPED) == []
    items = ex.examples()
    clauses = _clauses()
    assert len(clauses) == 130 and list(dict.fromkeys(e.clause for e in items)) == clauses
    assert all(e.description and len(e.description) <= ex.DESCRIPTION_MAX for e in items)
    assert all(e.evidence for e in items if e.conformity != "不符合")
    first = items[0]
    assert (first.clause, first.number, first.of, first.conformity) == ("c621_11", 1, 2, "符合")
    assert items[ex.first_index("quality_capability", "c622_11")].clause == "c622_11"
    assert ex.first_index("quality_capability", "c622_11") == 11      # c621_11 has two examples


def test_check_specs_reads_the_examples_folder_and_sync_skips_it() -> None:
    assert "examples" in NOT_FORMS                                  # never published as a form
    assert spec_check.checker_for(SHIPPED) is spec_check.CHECKERS["examples"]
    assert [p for p in spec_check.check_all() if p.file.startswith("specs/examples")] == []


def _broken(tmp_path: Path, name: str = "quality_capability") -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data.pop("c643_52")                                                            # EX007
    data["c999_11"] = [{"conformity": "符合", "evidence": ["a.pdf"], "description": "x"}]   # EX003
    data["c621_11"] = [{"conformity": "很好", "evidence": ["a.pdf"], "description": "x"},    # EX006
                       {"conformity": "符合", "evidence": [], "description": "x"},           # EX006 evidence
                       {"conformity": "不符合", "description": "长" * 301},                   # EX005
                       {"conformity": "符合", "evidence": ["a.pdf"], "description": "x", "score": 2}]  # EX004
    data["c621_12"] = []                                                           # EX004
    path = tmp_path / "examples" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_broken_file_yields_every_coded_problem(tmp_path: Path) -> None:
    problems = ex.check_file(_broken(tmp_path))
    got = sorted((p.code, p.item) for p in problems)
    assert got == [("EX003", "条款 c999_11"), ("EX004", "条款 c621_11 › 示例 4"), ("EX004", "条款 c621_12"),
                   ("EX005", "条款 c621_11 › 示例 3"), ("EX006", "条款 c621_11 › 示例 1"),
                   ("EX006", "条款 c621_11 › 示例 2"), ("EX007", "条款 c643_52")]
    assert any("「很好」不是该条款的选项（符合、基本符合、不符合）" in p.message for p in problems)
    rendered = [p.render() for p in spec_check.check_all(tmp_path)]             # through check-specs
    assert len(rendered) == 7 and all("[EX0" in r for r in rendered)


def test_unreadable_or_unknown_definition(tmp_path: Path) -> None:
    bad = tmp_path / "quality_capability.yaml"
    bad.write_text("c621_11: [\n", encoding="utf-8")
    assert [p.code for p in ex.check_file(bad)] == ["EX001"]
    bad.write_text("- a\n", encoding="utf-8")
    assert [p.code for p in ex.check_file(bad)] == ["EX001"]
    other = tmp_path / "no_such_model.yaml"
    other.write_text("c621_11: []\n", encoding="utf-8")
    assert [(p.code, p.message) for p in ex.check_file(other)] == \
        [("EX002", "文件名「no_such_model」不是任何条款分级评估定义的 code")]
