"""The review chain: 上报 → county → city → province → national, returns at each level, 撤销."""
from __future__ import annotations

import pytest

from services.core.errors import Conflict, NotFound, ValidationFailed
from services.monitor import reports, review
from services.monitor.review import QueueFilter
from tests.monitor.conftest import Chain, filled


def test_report_travels_up_the_chain_to_national(chain: Chain) -> None:
    period = reports.current_period()
    rid = filled(chain.ent, period)
    assert reports.submit_report(chain.ent, rid) == []
    d = review.detail(chain.xw, rid)
    assert (d.status, d.holder_level, d.screening_passed) == ("reviewing", "county", True)
    assert [r.id for r in review.queue(chain.xw)[1]] == [rid]
    assert review.queue(chain.nj)[0] == 0  # not waiting for the city yet
    for admin, level in ((chain.xw, "city"), (chain.nj, "province"), (chain.js, "national")):
        assert review.accept(admin, rid) == "reviewing"
        assert review.detail(chain.cn, rid).holder_level == level
    assert review.accept(chain.cn, rid) == "accepted"
    d = review.detail(chain.ent, rid)
    assert d.status == "accepted"
    assert [h["操作"] for h in d.history] == ["上报", "接收", "接收", "接收", "接收（终审）"]


def test_only_the_holder_acts_and_lower_levels_cannot_pull_back(chain: Chain) -> None:
    rid = filled(chain.ent, reports.current_period())
    reports.submit_report(chain.ent, rid)
    with pytest.raises(Conflict):
        review.accept(chain.nj, rid)          # the city does not hold it yet
    review.accept(chain.xw, rid)
    with pytest.raises(Conflict):
        review.return_report(chain.xw, rid, "数据有误")  # passed on: the county cannot pull it back
    review.return_report(chain.nj, rid, "营业成本偏高，请核实")  # the upper level that holds it can
    d = review.detail(chain.ent, rid)
    assert (d.status, d.return_reason) == ("returned", "营业成本偏高，请核实")
    row = next(r for r in reports.history(chain.ent) if r.report_id == rid)
    assert row.action in ("编辑", "补报") and row.return_reason == "营业成本偏高，请核实"


def test_return_needs_a_reason_and_enterprise_resubmits(chain: Chain) -> None:
    rid = filled(chain.ent, reports.current_period())
    reports.submit_report(chain.ent, rid)
    with pytest.raises(ValidationFailed, match="退回原因"):
        review.return_report(chain.xw, rid, "  ")
    review.return_report(chain.xw, rid, "请补充出口交货值")
    reports.submit_report(chain.ent, rid)
    assert review.detail(chain.xw, rid).status == "reviewing"


def test_revoke_only_before_any_administrator_acted(chain: Chain) -> None:
    rid = filled(chain.ent, reports.current_period())
    reports.submit_report(chain.ent, rid)
    reports.revoke(chain.ent, rid)
    assert review.detail(chain.ent, rid).status == "editing"
    reports.submit_report(chain.ent, rid)
    review.accept(chain.xw, rid)
    with pytest.raises(Conflict, match="不能撤销"):
        reports.revoke(chain.ent, rid)


def test_double_submit_does_nothing_twice(chain: Chain) -> None:
    rid = filled(chain.ent, reports.current_period())
    reports.submit_report(chain.ent, rid, request_id="req-1")
    reports.submit_report(chain.ent, rid, request_id="req-1")
    assert [h["操作"] for h in review.detail(chain.ent, rid).history] == ["上报"]


def test_jurisdiction_other_county_sees_nothing(chain: Chain) -> None:
    from tests.factories import make_admin
    gl = make_admin("320106")
    rid = filled(chain.ent, reports.current_period())
    reports.submit_report(chain.ent, rid)
    assert review.queue(gl, QueueFilter(status="all"))[0] == 0
    with pytest.raises(NotFound):
        review.detail(gl, rid)
    assert review.queue(chain.js, QueueFilter(status="all"))[0] == 1
