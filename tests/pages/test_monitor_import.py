"""上报导入 through the real app (AppTest): template download, a file with errors (table + error list to
download, nothing written), a clean file (reported, then the report's detail page), and who may open it."""
from __future__ import annotations

import pytest

from db.engine import session_scope
from services.forms import definitions
from services.monitor import excel_io, reports, review, reviewers
from services.core.permissions import Actor
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.monitor.conftest import GOOD, answer_questionnaires
from tests.monitor.test_import import fill
from tests.pages.helpers import assert_clean, joined, shown, signed_in

IMPORT = "pages/monitor/monitor_import.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def ent(app) -> Actor:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin(None), make_admin("320000"), make_admin("320100"), make_admin("320102")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    return make_enterprise_user("320102")[0]


def open_import(username: str, period: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(IMPORT).run()
    assert_clean(at)
    at.selectbox(key="mi_period").select(period).run()
    return at


def test_template_errors_and_success(ent: Actor) -> None:
    period = reports.current_period()
    at = open_import(ent.username, period)
    assert [t.value for t in at.title] == ["上报导入"]
    assert at.selectbox(key="mi_period").options[0] == period
    assert [shown(b.label) for b in at.get("download_button")] == [f"下载 {period} 数据模板"]

    at.button(key="mi_import").click().run()
    assert "请先选择待上报的 Excel 文件" in joined(at.error)

    bad = fill(excel_io.template_xlsx(ent, period), {**GOOD, "employees": (120, "一百二十", 118, 118)})
    at.text_input(key="mi_reporter").input("王五")
    at.file_uploader(key="mi_file").set_value(("月报.xlsx", bad, XLSX))
    at.button(key="mi_import").click().run()
    assert_clean(at)
    assert "整个文件未导入" in joined(at.error)
    table = at.dataframe[0].value
    assert list(table["指标"]) == ["从业人员 › 本年1-本月"] and list(table["错误信息"])[0].startswith("须为数字")
    assert "下载错误清单" in [b.label for b in at.get("download_button")]
    assert reports.history(ent)[0].report_id is None                 # nothing written

    rid = reports.open_report(ent, period)
    answer_questionnaires(ent, rid)
    at.file_uploader(key="mi_file").set_value(("月报.xlsx", fill(excel_io.template_xlsx(ent, period)), XLSX))
    at.button(key="mi_import").click().run()
    assert_clean(at)
    assert review.detail(ent, rid).status == "reviewing"
    assert at.session_state["mh_view"] == rid                          # the history page opens its detail
    assert "导入成功，月报已上报" in joined(at.success)
    assert f"{period} 月报详情" in [shown(h.value) for h in at.subheader]


def test_administrators_cannot_open_it(ent: Actor) -> None:
    admin = make_admin("320102")
    at = signed_in(admin.username, PASSWORD)
    try:
        at.switch_page(IMPORT).run()
    except ValueError:   # not registered in this administrator's navigation at all
        return
    assert "您无权访问此页面。" in joined(at.error)
