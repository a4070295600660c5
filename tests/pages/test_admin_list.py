"""components.admin_list renders a list declaration (specs/lists/cmmm_progress.yaml here): filters with
the region picker limited to the jurisdiction, the count and page 1 again on a new filter, sort, the
column chooser, and an export holding exactly the rows the count announces."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.factories import make_admin, make_org
from tests.pages.helpers import assert_clean, texts


def _script(actor) -> None:  # type: ignore[no-untyped-def]  # the source alone runs as the app
    from components.admin_list import admin_list
    from components.feedback import error_boundary
    with error_boundary():
        admin_list("cmmm_progress", actor, "t")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, data, mimetype, kind, filename)
        files[file_id] = data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


@pytest.fixture
def listed(sqlite_db: str) -> AppTest:
    """25 enterprises of 南京 (one named like a formula), 3 of 深圳; the list as 南京's city administrator."""
    for i in range(24):
        make_org("320102" if i % 2 else "320106", status="approved", name=f"南京{i:02d}号有限公司")
    make_org("320102", status="approved", name="=1+1")
    for i in range(3):
        make_org("440304", status="approved", name=f"深圳{i}号有限公司")
    at = AppTest.from_function(_script, args=(make_admin("320100"),), default_timeout=60).run()
    assert_clean(at)
    return at


def count(at: AppTest) -> str:
    return next(c for c in texts(at.caption) if c.startswith("共 "))


def names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["企业名称"])


def test_filters_reset_paging_and_stay_in_the_jurisdiction(listed: AppTest) -> None:
    at = listed
    assert count(at) == "共 25 家，第 1/2 页" and len(names(at)) == 20
    assert [m.value for m in at.metric] == ["25", "0", "0"]
    assert [s.label for s in at.selectbox if (s.key or "").startswith("t_region")] == ["区县"]  # only 南京's districts
    at.number_input(key="t_page").set_value(2).run()
    assert count(at) == "共 25 家，第 2/2 页" and len(names(at)) == 5
    at.selectbox(key="t_region_0").set_value("320106").run()  # a filter change: page 1 again
    assert_clean(at)
    assert count(at) == "共 12 家" and len(names(at)) == 12
    at.selectbox(key="t_region_0").set_value("__none__").run()
    at.number_input(key="t_page").set_value(2).run()
    at.text_input(key="t_kw").input("南京07").run()
    assert count(at) == "共 1 家" and names(at) == ["南京07号有限公司"]
    at.text_input(key="t_kw").input("").run()
    assert count(at) == "共 25 家，第 1/2 页"
    at.text_input(key="t_kw").input("深圳").run()  # another city's enterprises are never listed
    assert count(at) == "共 0 家" and not at.dataframe


def test_sort_and_column_chooser(listed: AppTest) -> None:
    at = listed
    at.selectbox(key="t_sort").set_value("org_name").run()
    first = names(at)
    assert first == sorted(first) and first[0] == "=1+1"
    at.checkbox(key="t_desc").check().run()
    assert names(at)[0] == "南京23号有限公司" and count(at) == "共 25 家，第 1/2 页"
    assert list(at.dataframe[0].value.columns) == ["企业名称", "统一社会信用代码", "所在地区", "自诊断进度"]
    at.multiselect(key="t_cols").set_value(["status_label", "org_name"]).run()
    assert_clean(at)
    assert list(at.dataframe[0].value.columns) == ["自诊断进度", "企业名称"]
    offered = at.multiselect(key="t_cols").options
    assert len(offered) == 4 and "行政区划代码" not in offered  # an export-only field is not offered
    at.selectbox(key="t_sort").set_value("credit_code").run()  # the chosen columns survive a new query
    assert list(at.dataframe[0].value.columns) == ["自诊断进度", "企业名称"]


def test_export_equals_the_count_with_codes_as_text_and_no_formulas(listed: AppTest, served: dict[str, bytes]) -> None:
    at = listed
    at.selectbox(key="t_region_0").set_value("320102").run()
    assert count(at) == "共 13 家"
    at.button(key="t_export_prepare").click().run()
    assert_clean(at)
    button = next(b for b in at.download_button if b.label == "下载 Excel")
    ws = openpyxl.load_workbook(io.BytesIO(served[Path(button.proto.url).stem])).active
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == ["企业名称", "统一社会信用代码", "所在地区", "行政区划代码", "自诊断进度"]
    body = rows[1:]
    assert len(body) == 13  # the count on screen
    assert sorted(r[0].value for r in body) == sorted(names(at))
    assert {r[3].value for r in body} == {"320102"} and all(r[3].data_type == "s" for r in body)
    assert all(isinstance(r[1].value, str) and len(r[1].value) == 18 for r in body)
    formula = next(r[0] for r in body if r[0].value == "=1+1")
    assert formula.data_type == "s"  # shown as typed, never evaluated
    at.text_input(key="t_kw").input("南京").run()  # the file was for the earlier filter: no longer offered
    assert "下载 Excel" not in [b.label for b in at.download_button]
