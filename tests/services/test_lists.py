"""List declarations (services/lists): every LS error code, the shipped files, the jurisdiction a
declaration cannot widen, and an export that holds exactly the listed rows (codes as text, no formulas)."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from services import lists
from services.core.errors import PermissionDenied, ValidationFailed
from services.lists.spec import check_all, check_file, parse
from tests.factories import make_admin, make_org

GOOD = """
code: {code}
title: 测试列表
source: cmmm_progress
unit: 家
page_size: 5
filters:
  - {{name: region, type: region, label: 地区}}
  - {{name: keyword, type: text, label: 关键词}}
  - {{name: status, type: select, label: 进度, all: 全部}}
columns:
  - {{key: org_name, sortable: true}}
  - credit_code
  - {{key: adcode, visible: false}}
  - status_label
sort: {{by: org_name}}
export: {{file: 测试.xlsx}}
"""


def write(tmp_path: Path, text: str, code: str = "probe") -> Path:
    path = tmp_path / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def codes(tmp_path: Path, text: str) -> list[str]:
    return [p[0] for p in check_file(write(tmp_path, text))]


def test_shipped_declarations_are_valid() -> None:
    assert check_all() == []
    assert {p.stem for p in lists.spec.LISTS_DIR.glob("*.yaml")} >= {
        "cmmm_records", "cmmm_progress", "monitor_enterprises", "monitor_review", "accounts"}


def test_a_valid_declaration_loads(tmp_path: Path) -> None:
    spec = parse(write(tmp_path, GOOD.format(code="probe")))
    assert [c.key for c in spec.columns if c.visible] == ["org_name", "credit_code", "status_label"]
    assert spec.sort == ("org_name", False) and spec.page_size == 5 and spec.export_file == "测试.xlsx"


BROKEN = {
    "LS001": "code: [unclosed",
    "LS002": GOOD.replace("title: 测试列表", "titel: 测试列表"),
    "LS003": GOOD.replace("  - credit_code", "  - x"),
    "LS004": GOOD.replace("source: cmmm_progress", "source: nowhere"),
    "LS005": GOOD.replace("{name: keyword,", "{name: secret_scope,"),
    "LS006": GOOD.replace("{name: keyword, type: text", "{name: keyword, type: select"),
    "LS007": GOOD.replace("{name: status, type: select, label: 进度, all: 全部}",
                          "{name: status, type: select, label: 进度, options: [none, deleted]}"),
    "LS008": GOOD.replace("  - credit_code", "  - {key: region_name, sortable: true}"),
    "LS009": GOOD.replace("page_size: 5", "page_size: 100000"),
    "LS010": GOOD.replace("  - credit_code", "  - org_name"),
    "LS011": GOOD.replace("{key: adcode, visible: false}", "{key: adcode, visible: true}"),
    "LS012": GOOD.replace("code: {code}", "code: another_name"),
    "LS013": GOOD.replace("file: 测试.xlsx", "file: ../../etc/x.xlsx"),
}


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_error_code_names_file_item_and_rule(tmp_path: Path, code: str) -> None:
    problems = check_file(write(tmp_path, BROKEN[code].replace("{code}", "probe").replace("{{", "{").replace("}}", "}")))
    assert code in [p[0] for p in problems], problems
    found = next(p for p in problems if p[0] == code)
    assert found[1] == "probe.yaml" and found[2] and found[3]
    with pytest.raises(lists.SpecError):
        parse(tmp_path / "probe.yaml")


def test_ls003_names_the_column_and_the_source(tmp_path: Path) -> None:
    problems = check_file(write(tmp_path, GOOD.format(code="probe").replace("  - credit_code", "  - x")))
    assert ("LS003", "probe.yaml", "column 'x'", "column 'x' is not a field of source 'cmmm_progress'") in problems


# --- running declarations on both databases ------------------------------------------------------
@pytest.fixture
def orgs(db: str) -> dict[str, list[int]]:
    return {"nj": [make_org("320102", status="approved", name=f"南京{i}号有限公司") for i in range(7)]
            + [make_org("320106", status="approved", name="=HYPERLINK(\"http://x\")")],
            "sz": [make_org("440304", status="approved", name=f"深圳{i}号有限公司") for i in range(4)]}


def _sheet(data: bytes) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_export_holds_what_the_list_counts(orgs: dict[str, list[int]]) -> None:
    nj = make_admin("320100")
    page = lists.page(nj, "cmmm_progress", {})
    assert page.total == 8 and len(page.items) == 8 and page.metrics[0] == ("未诊断", 8)
    data = lists.export(nj, "cmmm_progress", {})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(wb.active.iter_rows())
    assert [c.value for c in rows[0]] == ["企业名称", "统一社会信用代码", "所在地区", "行政区划代码", "自诊断进度"]
    assert len(rows) - 1 == page.total
    assert sorted(r[0].value for r in rows[1:]) == sorted(i.org_name for i in page.items)
    for r in rows[1:]:
        assert isinstance(r[1].value, str) and len(r[1].value) == 18          # credit code stays text
        assert isinstance(r[3].value, str) and r[3].value in ("320102", "320106")  # adcode stays text
        assert r[0].data_type == "s"                                          # never a formula
    assert '=HYPERLINK("http://x")' in [r[0].value for r in rows[1:]]


def test_sort_is_applied_by_the_source(orgs: dict[str, list[int]]) -> None:
    nj = make_admin("320100")
    up = [i.org_name for i in lists.page(nj, "cmmm_progress", {}, 0, "org_name", False).items]
    down = [i.org_name for i in lists.page(nj, "cmmm_progress", {}, 0, "org_name", True).items]
    assert up == sorted(up) and down == up[::-1]
    with pytest.raises(ValidationFailed):
        lists.page(nj, "cmmm_progress", {}, 0, "region_name", False)  # not a sortable column


def test_a_declaration_cannot_widen_the_jurisdiction(orgs: dict[str, list[int]], tmp_path: Path) -> None:
    nj, national = make_admin("320100"), make_admin(None)
    greedy = parse(write(tmp_path, GOOD.format(code="greedy").replace(
        "{name: region, type: region, label: 地区}", "{name: region, type: region, label: 地区, default: '440300'}"),
        "greedy"))
    with pytest.raises(PermissionDenied):
        lists.page(nj, greedy, {})
    with pytest.raises(PermissionDenied):
        lists.export(nj, greedy, {})
    with pytest.raises(PermissionDenied):
        lists.page(nj, "cmmm_progress", {"region": "440304"})
    # Without a region filter the source still limits every row to the actor's jurisdiction.
    open_spec = parse(write(tmp_path, GOOD.format(code="wide").replace(
        "  - {name: region, type: region, label: 地区}\n", ""), "wide"))
    listed = lists.page(nj, open_spec, {}, 0, None, None)
    names = {i.org_name for p in range(2) for i in lists.page(nj, open_spec, {}, p).items}
    assert listed.total == len(names) == 8 and not any(n.startswith("深圳") for n in names)
    exported = [r[0] for r in _sheet(lists.export(nj, open_spec, {}))[1:]]
    assert sorted(exported) == sorted(names)
    assert any(str(n).startswith("深圳") for n in {r[0] for r in _sheet(lists.export(national, open_spec, {}))[1:]})
    # An enterprise user holds no admin permission: the source refuses whatever the declaration.
    from tests.factories import make_enterprise_user
    user, _ = make_enterprise_user("320102")
    with pytest.raises(PermissionDenied):
        lists.page(user, open_spec, {})


def test_filter_values_are_checked_with_field_names(orgs: dict[str, list[int]]) -> None:
    nj = make_admin("320100")
    with pytest.raises(ValidationFailed) as err:
        lists.page(nj, "cmmm_progress", {"keyword": "x" * 101})
    assert "企业名称关键词" in str(err.value.problems)
    with pytest.raises(ValidationFailed) as err:
        lists.page(nj, "cmmm_progress", {"status": "deleted"})
    assert "进度" in err.value.problems
    with pytest.raises(ValidationFailed) as err:
        lists.page(nj, "cmmm_records", {"year": (2021, 2019)})
    assert "起始年份（2021）不能晚于截止年份（2019）" in str(err.value.problems)
    with pytest.raises(ValidationFailed):
        lists.page(nj, "cmmm_records", {"industry": "999"})


def test_check_specs_reports_list_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from services.core import spec_check
    (tmp_path / "lists").mkdir()
    write(tmp_path / "lists", GOOD.format(code="probe").replace("  - credit_code", "  - x"))
    assert spec_check.main(tmp_path) == 1
    assert "[LS003] column 'x'" in capsys.readouterr().out
