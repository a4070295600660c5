"""Issue 12, what a reporting enterprise meets while filling: every error of step ② at once with the
cell it is in, going back as a draft, and where a fresh session resumes."""
from __future__ import annotations

import pytest

import clock
from services.errors import ValidationFailed
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
