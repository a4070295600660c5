"""Issue 12, what a reporting enterprise meets while filling: every error of step ② at once with the
cell it is in, going back as a draft, and where a fresh session resumes."""
from __future__ import annotations

import pytest

import clock
from services.core.errors import ValidationFailed
from services.forms import responses
from services.monitor import reports, review
from tests.monitor.conftest import Chain

MAY = "2025-06-10T10:00:00+08:00"  # reporting 2025-05: a quarter month, so 负债总计 is asked


def test_step_two_reports_every_error_with_its_cell(chain: Chain) -> None:
    with clock.travel(MAY):
        report_id = reports.open_report(chain.ent, "2025-05")
        rid = review.detail(chain.ent, report_id).response_id
        bad = {"ind": {"revenue": {"cur_m": "-5"}, "employees": {"cur_m": "-3"}}}
        with pytest.raises(ValidationFailed) as caught:
            responses.save_section(chain.ent, rid, "indicators", bad, 0)
    messages = [m for msgs in caught.value.problems.values() for m in msgs]
    assert "主要经济指标 › 营业收入 › 本年本月：不能为负数" in messages
    assert "主要经济指标 › 从业人员 › 本年本月：不能为负数" in messages
    assert "主要经济指标 › 负债总计 › 上年1-本月：必填项，请填写。" in messages
    assert len(messages) > 40  # 18 rows × 4 columns, most of them empty and required
    assert ("ind", "revenue", "cur_m", "主要经济指标 › 营业收入 › 本年本月：不能为负数") in caught.value.cells
    assert ("ind", "liabilities", "ly_ytd", "主要经济指标 › 负债总计 › 上年1-本月：必填项，请填写。") in caught.value.cells


MONTHLY_DOC = {"code": "monthly_costs", "kind": "survey", "title": "月度成本调查", "period": "month",
               "sections": [{"name": "s", "title": "成本", "questions": [{"name": "cost", "type": "decimal", "label": "成本"}]}]}


def test_a_month_must_be_yyyy_mm_with_month_01_to_12(chain: Chain) -> None:
    from services.forms import definitions
    vid = definitions.save_draft(chain.cn, MONTHLY_DOC)
    definitions.publish(chain.cn, vid)
    for bad in ("2026-13", "2026-00", "2026-1", "202612"):  # "" means the default month (the current one)
        with pytest.raises(ValidationFailed, match="月份：须为 YYYY-MM 格式，月份为 01–12"):
            responses.open_response(chain.ent, vid, bad)
    month = responses.period_choices("month").default
    assert responses.open_response(chain.ent, vid, month) == responses.open_response(chain.ent, vid, month)


def test_monthly_questionnaires_open_only_from_the_report(chain: Chain) -> None:
    with clock.travel(MAY):
        report_id = reports.open_report(chain.ent, "2025-05")
        items = reports.questionnaires(chain.ent, report_id)
        assert items
        for q in items:
            with pytest.raises(ValidationFailed, match="是月报的调查问卷，请在「当期报送」第四步「调查问卷」中填写"):
                responses.open_response(chain.ent, q.version_id, "2025-05")
            rid = reports.open_questionnaire(chain.ent, report_id, q.version_id)  # step ④ opens it
            assert responses.get_response(chain.ent, rid).period == "2025-05"


def test_the_report_excel_keeps_numbers_as_numbers_and_codes_as_text(chain: Chain) -> None:
    import io

    from openpyxl import load_workbook

    from components.monitor_detail import detail_xlsx
    from tests.monitor.conftest import filled, save
    with clock.travel(MAY):
        report_id = filled(chain.ent, "2025-05", {"revenue": ("4708.3", 1200, 100, 1000)})
        save(chain.ent, report_id, "products", {"products": [
            {"name": "轴承", "code": "0012", "unit": "套", "production": "10.5", "sales": "8", "stock": "2.5"}]})
        sheet = load_workbook(io.BytesIO(detail_xlsx(review.detail(chain.xw, report_id)))).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    header = rows[0]
    revenue = next(r for r in rows if r[0] == "营业收入")
    assert revenue[header.index("本年本月")] == 4708.3 and revenue[header.index("本年1-本月")] == 1200
    assert isinstance(revenue[header.index("累计同比增长(%)")], (int, float))
    assert revenue[header.index("计算单位")] == "千元"
    product = next(r for r in rows if r[0] == "主要产品：轴承")
    assert product[header.index("产品代码")] == "0012"  # a code stays text
    assert product[header.index("生产量")] == 10.5 and product[header.index("销售量")] == 8


def test_home_summary_this_month_deadline_returned_and_unread(chain: Chain) -> None:
    from tests.monitor.conftest import filled
    with clock.travel("2025-06-05T10:00:00+08:00"):
        first = reports.home_summary(chain.ent)
        assert (first.period, first.report_id, first.status_label, first.reported) == ("2025-05", None, "未填报", False)
        assert (str(first.due), first.days_left, first.returned, first.unread) == ("2025-06-10", 5, [], 0)
        april = filled(chain.ent, "2025-04")
        reports.submit_report(chain.ent, april)
        review.return_report(chain.xw, april, "营业成本偏高，请核实")
        may = filled(chain.ent, "2025-05")
        reports.submit_report(chain.ent, may)
    with clock.travel("2025-06-12T10:00:00+08:00"):
        home = reports.home_summary(chain.ent)
    assert (home.report_id, home.status_label, home.reported, home.days_left) == (may, "审核中", True, -2)
    assert home.returned == [("2025-04", "营业成本偏高，请核实")]
    assert home.unread == 1  # the return
