"""The monitoring chain runs on the workflow engine: after every kind of action (上报, 接收, 终审,
退回 at a level and after 终审, 撤销, 冻结 / 解除冻结 / 驳回变更 / system confirmation,
一键接收 — also at the top — and 越级接收) each report's instance and the columns mirrored on
monitor_report (status, holder, level) agree, and the last history row names the same state."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

import clock
from db.engine import session_scope
from db.monitor import MonitorReport, MonitorReviewer
from db.workflow import WorkflowInstance, WorkflowTransition
from services.monitor import reports, review, reviewers, workflow
from tests.monitor.conftest import Chain, _basic, filled, save
from tests.monitor.race import hold_reports


def agree() -> dict[int, str]:
    """Assert instance == mirror (and == last history row) for every report; return report → status."""
    with session_scope(read=True) as s:
        rows = {r.id: (r.status, r.holder_id, r.holder_level) for r in s.scalars(select(MonitorReport))}
        inst = {i.subject_id: (i.state, i.holder_id, i.holder_level) for i in s.scalars(
            select(WorkflowInstance).where(WorkflowInstance.subject_type == workflow.SUBJECT))}
        last = {t.report_id: (t.to_state, t.to_holder) for t in s.execute(workflow.steps().order_by(WorkflowTransition.id))}
    assert rows, "no reports"
    for rid, mirror in rows.items():
        if rid not in inst:  # never moved: no instance yet (created at the first transition)
            assert mirror == ("editing", None, None) and rid not in last, rid
            continue
        assert inst[rid] == mirror, (rid, inst[rid], mirror)
        if rid in last:
            assert last[rid] == mirror[:2], (rid, last[rid], mirror)
    return {rid: m[0] for rid, m in rows.items()}


def test_single_actions_keep_instance_and_mirror_equal(chain: Chain) -> None:
    rid = filled(chain.ent, reports.current_period())
    agree()
    reports.submit_report(chain.ent, rid)
    assert agree()[rid] == "reviewing"
    reports.revoke(chain.ent, rid)
    assert agree()[rid] == "editing"
    reports.submit_report(chain.ent, rid)
    review.return_report(chain.xw, rid, "请补充出口交货值")
    assert agree()[rid] == "returned"
    reports.submit_report(chain.ent, rid)
    for admin in (chain.xw, chain.nj, chain.js):
        review.accept(admin, rid)
        agree()
    review.accept(chain.cn, rid)
    assert agree()[rid] == "accepted"
    review.return_report(chain.cn, rid, "终审后发现数据有误")
    assert agree()[rid] == "returned"
    d = review.detail(chain.ent, rid)
    assert [h["操作"] for h in d.history] == ["上报", "撤销", "上报", "退回", "上报", "接收", "接收", "接收",
                                            "接收（终审）", "退回"]
    assert d.history[-1]["状态"] == "审核通过 → 退回" and d.history[0]["状态"] == "编辑 → 审核中"


def test_freeze_actions_keep_instance_and_mirror_equal(chain: Chain) -> None:
    t0 = dt.datetime(2025, 6, 10, 9, 0, tzinfo=clock.CHINA)
    with clock.travel(t0, freeze=True):
        rid = reports.open_report(chain.ent, "2025-05")
        for i, decide in enumerate(("confirm", "reject", "system")):
            save(chain.ent, rid, "basic", {**_basic(chain.ent, rid), "org_name": f"玄武新名称{i}精密机械有限公司"})
            assert agree()[rid] == "frozen"
            if decide == "confirm":
                review.confirm_change(chain.xw, rid)
                assert agree()[rid] == "unfrozen"
            elif decide == "reject":
                review.reject_change(chain.xw, rid, "名称变更缺少依据")
                assert agree()[rid] == "editing"
    with clock.travel(t0 + dt.timedelta(minutes=3), freeze=True):
        assert review.detail(chain.ent, rid).status == "unfrozen"   # confirmed by the system
        assert agree()[rid] == "unfrozen"
    assert [h["操作"] for h in review.detail(chain.ent, rid).history] == [
        "冻结", "解除冻结", "冻结", "驳回变更", "冻结", "解除冻结（系统自动确认）"]


def test_bulk_paths_keep_instance_and_mirror_equal(chain: Chain) -> None:
    periods = [reports.current_period()]
    reviewers.grant(chain.js, chain.nj.account_id, bulk_accept=True, skip_level=False)
    ids = hold_reports(chain.nj.account_id, [(chain.xw.account_id, "320102")], 30, periods, name="一键")
    assert review.bulk_accept(chain.nj) == len(ids)                       # 一键接收: city → province
    status = agree()
    assert {status[i] for i in ids} == {"reviewing"}
    reviewers.grant(chain.cn, chain.js.account_id, bulk_accept=False, skip_level=True)
    more = hold_reports(chain.nj.account_id, [(chain.xw.account_id, "320102")], 20, periods, name="越级")
    moved, left = review.skip_level_accept(chain.js)                      # 越级接收: straight to national
    assert (moved, left) == (len(ids) + len(more), 0)
    agree()
    with session_scope() as s:   # the national administrator's own 一键接收 is final (审核通过)
        s.execute(update(MonitorReviewer).where(MonitorReviewer.account_id == chain.cn.account_id)
                  .values(bulk_accept=True))
    assert review.bulk_accept(chain.cn) == len(ids) + len(more)
    status = agree()
    assert {status[i] for i in ids + more} == {"accepted"}
    with session_scope(read=True) as s:
        actions = list(s.scalars(select(WorkflowTransition.action).order_by(WorkflowTransition.id)))
    assert actions.count("bulk_accept") == len(ids) and actions.count("skip_level_accept") == len(ids) + len(more)
    assert actions.count("bulk_final_accept") == len(ids) + len(more)
    assert [h["操作"] for h in review.detail(chain.cn, ids[0]).history][-3:] == ["一键接收", "越级接收", "一键接收"]
