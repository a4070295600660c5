"""数据批量上报导入 through the real app (AppTest): template download, a file with errors (progress shown,
error table, error workbook to download, nothing written), a clean file (every enterprise reported), and
who may open it."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.engine import session_scope
from db.monitor import MonitorReport
from services.forms import definitions
from services.monitor import admin_import, reports, reviewers
from services.core.permissions import Actor
from tests.factories import PASSWORD, make_admin, make_enterprise_user, make_org
from tests.monitor.test_admin_import import fill, org_row
from tests.pages.helpers import assert_clean, joined, shown, signed_in

PAGE = "pages/monitor/monitor_admin_import.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin(app) -> Actor:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin(None), make_admin("320000"), make_admin("320100")
    county = make_admin("320102")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    return county


def reported(org_ids: list[int]) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(MonitorReport).where(
            MonitorReport.org_id.in_(org_ids), MonitorReport.status == "reviewing")) or 0)


def test_errors_then_a_clean_import(admin: Actor) -> None:
    period = reports.current_period()
    orgs = [make_org("320102", status="approved") for _ in range(2)]
    rows = [org_row(o) for o in orgs]
    at = signed_in(admin.username, PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["数据批量上报导入"]
    at.selectbox(key="mai_period").select(period).run()
    assert [shown(b.label) for b in at.get("download_button")] == [f"下载 {period} 数据模板"]  # type: ignore[union-attr]

    at.button(key="FormSubmitter:mai_form-导入").click().run()
    assert "请先选择要导入的 Excel 文件" in joined(at.error)

    template = admin_import.template_xlsx(admin, period)
    bad = fill(template, rows, {1: {"营业收入（千元）｜本年本月": -1}})
    at.file_uploader(key="mai_file").set_value(("批量.xlsx", bad, XLSX))
    at.button(key="FormSubmitter:mai_form-导入").click().run()
    assert_clean(at)
    assert "整个文件未导入" in joined(at.error)
    bars = at.get("progress")
    assert bars and bars[-1].proto.value == 100 and "校验未通过" in bars[-1].proto.text
    table = at.dataframe[0].value
    assert list(table["企业"]) == [rows[1][1]] and list(table["列"]) == ["营业收入｜本年本月"]
    assert list(table["错误信息"]) == ["不能为负数"]
    download = [b for b in at.get("download_button") if shown(b.label).startswith("下载错误清单")]  # type: ignore[union-attr]
    assert len(download) == 1
    assert reported(orgs) == 0                                         # nothing written
    stored = at.session_state["mai_result"]
    wb = load_workbook(io.BytesIO(stored.errors_xlsx))
    assert wb.sheetnames[0] == admin_import.SHEET_ERRORS and wb[admin_import.SHEET_ERRORS]["F3"].value == "不能为负数"

    at.file_uploader(key="mai_file").set_value(("批量.xlsx", fill(template, rows), XLSX))
    at.button(key="FormSubmitter:mai_form-导入").click().run()
    assert_clean(at)
    assert "导入成功：2 家企业" in joined(at.success) and not at.dataframe
    assert at.get("progress")[-1].proto.text == "导入完成"
    assert reported(orgs) == 2


def test_enterprises_cannot_open_it(admin: Actor) -> None:
    ent = make_enterprise_user("320102")[0]
    at = signed_in(ent.username, PASSWORD)
    try:
        at.switch_page(PAGE).run()
    except ValueError:   # not in an enterprise's navigation at all
        return
    assert "您无权访问此页面。" in joined(at.error)
