"""The monitoring pages through the real app (AppTest): 当期报送's four steps and 上报, 历史报送,
月报审核 (queue, 接收, 退回 with and without a reason), 消息中心, and who may open what.

AppTest cannot type into ``st.data_editor``, so the indicator grid is saved through the service
here (the Chromium journey fills it in the browser); everything else goes through the page."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import session_scope
from services.core import notify
from services.forms import definitions
from services.monitor import reports, review, reviewers
from services.core.permissions import Actor
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.monitor.conftest import filled, indicators, save
from tests.pages.helpers import ROOT, assert_clean, joined, signed_in, texts

REPORT, HISTORY, REVIEW, INBOX = ("pages/monitor/monitor_report.py", "pages/monitor/monitor_history.py", "pages/monitor/monitor_review.py",
                                  "pages/common/inbox.py")


@dataclass
class People:
    xw: Actor
    nj: Actor
    ent: Actor


@pytest.fixture
def people(app) -> People:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin(None, "m_cn"), make_admin("320000", "m_js")
    nj, xw = make_admin("320100", "m_nj"), make_admin("320102", "m_xw")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    ent, _ = make_enterprise_user("320102")
    return People(xw, nj, ent)


def open_page(username: str, path: str) -> AppTest:
    at = signed_in(username, PASSWORD)
    at.switch_page(path).run()
    assert_clean(at)
    return at


def click(at: AppTest, label: str) -> AppTest:
    """Click the one button labelled ``label``."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0].click().run()


def response_of(actor: Actor, report_id: int) -> int:
    return review.detail(actor, report_id).response_id


def test_enterprise_walks_the_four_steps_and_reports(people: People) -> None:
    period = reports.current_period()
    at = open_page(people.ent.username, REPORT)
    assert [t.value for t in at.title] == ["当期报送"]
    report_id = reports.open_report(people.ent, period)  # the page opened it: same id
    rid = response_of(people.ent, report_id)
    assert "**一、企业基本信息** → **二、企业主要经济指标** → **三、企业主要产品产销存** → 四、调查问卷" in joined(at.caption)
    assert [h.value for h in at.subheader] == ["一、企业基本信息"]
    assert at.text_input(key=f"fr_{rid}_reporter").value == "李四"  # prefilled from the registration
    at.button(key=f"fr_{rid}_next").click().run()
    assert [h.value for h in at.subheader] == ["二、企业主要经济指标"]
    at.button(key=f"fr_{rid}_next").click().run()
    assert "主要经济指标：必填项，请填写。" in joined(at.error) or "必填" in joined(at.error)
    # The grid is filled through the service (see the module note); a fresh session resumes there.
    save(people.ent, report_id, "indicators", indicators())
    at = open_page(people.ent.username, REPORT)
    assert [h.value for h in at.subheader] == ["二、企业主要经济指标"]
    at.button(key=f"fr_{rid}_next").click().run()
    assert [h.value for h in at.subheader] == ["三、企业主要产品产销存"]
    assert f"fr_{rid}_submit" not in [b.key for b in at.button]  # the last section goes on to step 4
    at.button(key=f"fr_{rid}_next").click().run()
    assert_clean(at)
    assert [h.value for h in at.subheader] == ["四、调查问卷"]
    assert "一、企业基本信息 → 二、企业主要经济指标 → 三、企业主要产品产销存 → **四、调查问卷**" in joined(at.caption)
    click(at, "上报")
    assert "调查问卷：请先完成「中小企业经济月度调查问卷」后再上报。" in joined(at.error)
    # Answer both questionnaires in the same renderer.
    items = {q.code: q for q in reports.questionnaires(people.ent, report_id)}
    assert sorted(items) == ["power_cut_survey", "sme_monthly_survey"]  # a manufacturer gets both
    at.button(key=f"mr_qopen_{report_id}_{items['sme_monthly_survey'].version_id}").click().run()
    q1 = at.session_state[f"mr_q_{report_id}"]
    for name, value in (("orders", "up"), ("costs", "flat"), ("funding", "ok")):
        at.radio(key=f"fr_{q1}_{name}").set_value(value)
    at.checkbox(key=f"fr_{q1}_problems__opt_none").check()
    at.button(key=f"fr_{q1}_submit").click().run()
    assert_clean(at)
    assert "问卷已答" in " ".join(m.value for m in at.markdown)
    at.button(key=f"mr_qopen_{report_id}_{items['power_cut_survey'].version_id}").click().run()
    q2 = at.session_state[f"mr_q_{report_id}"]
    at.radio(key=f"fr_{q2}_affected").set_value("0")
    at.button(key=f"fr_{q2}_submit").click().run()
    assert all(q.answered for q in reports.questionnaires(people.ent, report_id))
    click(at, "上报")
    assert_clean(at)
    assert [t.value for t in at.title] == ["历史报送"]
    assert f"{period} 月报已上报，进入审核。系统筛查通过。" in joined(at.success)
    row = next(r for r in reports.history(people.ent) if r.period == period)
    assert (row.status_label, row.can_revoke) == ("审核中", True)
    assert "审核中" in [m.value for m in at.markdown]
    d = review.detail(people.xw, report_id)
    assert (d.status, d.holder_level) == ("reviewing", "county")


def test_history_revoke_view_and_export(people: People) -> None:
    period = reports.current_period()
    report_id = filled(people.ent, period)
    reports.submit_report(people.ent, report_id)
    at = open_page(people.ent.username, HISTORY)
    at.button(key=f"mh_view_{report_id}").click().run()
    assert_clean(at)
    assert f"{period} 月报详情" in texts(at.subheader)
    table = at.dataframe[0].value
    assert list(table["指标名称"])[:2] == ["工业总产值", "出口交货值"]
    assert [b.label for b in at.get("download_button")] == ["导出 Excel", "打印版（HTML）"]
    at.button(key=f"mh_revoke_{report_id}").click().run()
    assert f"{period} 月报已撤销，可修改后重新上报。" in joined(at.success)
    assert review.detail(people.ent, report_id).status == "editing"
    at.button(key=f"mh_edit_{period}").click().run()  # 编辑 opens 当期报送 for that month
    assert [t.value for t in at.title] == ["当期报送"] and at.selectbox(key="mr_period").value == period


def test_reviewer_accepts_and_returns_with_a_reason(people: People) -> None:
    period = reports.current_period()
    first = filled(people.ent, period)
    reports.submit_report(people.ent, first)
    other, _ = make_enterprise_user("320102")
    second = filled(other, period)
    reports.submit_report(other, second)
    at = open_page("m_xw", REVIEW)
    assert [t.value for t in at.title] == ["月报审核"]
    assert "共 2 份月报" in joined(at.caption)
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="mrv_pick").set_value(first).run()
    assert "##### 查看本月（" + period + "）" in texts(at.markdown)
    at.button(key=f"mrv_accept_{first}").click().run()
    assert_clean(at)
    assert any("已接收" in s and "已报送上级审核" in s for s in [x.value for x in at.success])
    assert review.detail(people.nj, first).holder_level == "city"
    assert "共 1 份月报" in joined(at.caption)  # only the other one still waits for me
    at.selectbox(key="mrv_pick").set_value(second).run()
    at.button(key=f"mrv_return_{second}").click().run()  # no reason
    assert "退回原因：必填项，请说明需要企业修改的内容。" in joined(at.error)
    assert review.detail(people.xw, second).status == "reviewing"
    at.text_area(key=f"mrv_reason_{second}").input("营业成本偏高，请核实").run()
    at.button(key=f"mrv_return_{second}").click().run()
    assert_clean(at)
    d = review.detail(other, second)
    assert (d.status, d.return_reason) == ("returned", "营业成本偏高，请核实")
    # The enterprise sees the reason in 历史报送 and in 当期报送, and a message in 消息中心.
    hist = open_page(other.username, HISTORY)
    assert "营业成本偏高，请核实" in [m.value for m in hist.markdown]
    rep = open_page(other.username, REPORT)
    assert "退回原因：营业成本偏高，请核实　请修改后重新上报。" in joined(rep.error)
    inbox = open_page(other.username, INBOX)
    assert inbox.title[0].value == "消息中心（1 条未读）"
    assert [p.label for p in inbox.get("page_link")] == ["未读消息 1 条"]  # the sidebar shows it on every page
    click(inbox, "全部标为已读")
    assert inbox.title[0].value == "消息中心" and notify.unread_count(other) == 0
    assert not inbox.get("page_link")


def test_upper_level_sees_last_month_beside_this_month(people: People) -> None:
    prev_period = reports.period_options()[1]
    old = filled(people.ent, prev_period)
    reports.submit_report(people.ent, old)
    report_id = filled(people.ent, reports.current_period())
    reports.submit_report(people.ent, report_id)
    at = open_page("m_xw", REVIEW)
    at.selectbox(key="mrv_pick").set_value(report_id).run()
    assert "##### 查看上月" in [m.value for m in at.markdown]
    assert "上月没有月报。" not in joined(at.info)
    assert len([d for d in at.dataframe if "指标名称" in d.value.columns]) == 2


def test_enterprise_cannot_open_the_review_page(people: People) -> None:
    at = signed_in(people.ent.username, PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(REVIEW)
    page_at = AppTest.from_file(str(ROOT / REVIEW), default_timeout=60)
    page_at.session_state["actor"] = people.ent
    page_at.run()
    assert [e.value for e in page_at.error] == ["您无权访问此页面。"] and not page_at.title
    admin = signed_in("m_xw", PASSWORD)
    with pytest.raises(ValueError):
        admin.switch_page(REPORT)  # 当期报送 is for enterprises



def test_key_field_change_freezes_and_the_reviewer_confirms(people: People) -> None:
    period = reports.current_period()
    at = open_page(people.ent.username, REPORT)
    report_id = reports.open_report(people.ent, period)
    rid = response_of(people.ent, report_id)
    at.text_input(key=f"fr_{rid}_org_name").input("玄武新名称精密机械有限公司")
    at.button(key=f"fr_{rid}_save").click().run()
    assert_clean(at)
    assert "冻结：等待管理员确认企业名称、统一社会信用代码或所属行业的变更，确认后才能继续填报。" in joined(at.warning)
    assert list(at.dataframe[0].value["新值"]) == ["玄武新名称精密机械有限公司"]
    assert f"fr_{rid}_next" not in [b.key for b in at.button]  # read-only while frozen
    admin = open_page("m_xw", REVIEW)
    assert "玄武新名称精密机械有限公司" in list(admin.dataframe[-1].value["新值"])
    admin.button(key=f"mrv_confirm_{report_id}").click().run()
    assert_clean(admin)
    assert "已确认" in joined(admin.success)
    assert review.detail(people.ent, report_id).org_name == "玄武新名称精密机械有限公司"
    again = open_page(people.ent.username, REPORT)
    assert "关键信息变更已确认，已解除冻结，请继续填报并上报。" in joined(again.info)
    assert f"fr_{rid}_next" in [b.key for b in again.button]


def test_bulk_accept_only_with_the_grant(people: People) -> None:
    first = filled(people.ent, reports.current_period())
    reports.submit_report(people.ent, first)
    review.accept(people.xw, first)  # now waiting for 南京
    assert "一键接收" not in [b.label for b in open_page("m_nj", REVIEW).button]
    from tests.factories import actor_of
    reviewers.grant(actor_of("m_js"), people.nj.account_id, bulk_accept=True, skip_level=False)
    at = open_page("m_nj", REVIEW)
    click(at, "一键接收")
    assert_clean(at)
    assert "一键接收：已接收下级审核员上报的 1 份月报。" in joined(at.success)
    assert review.detail(people.nj, first).holder_level == "province"


def test_history_shows_why_screening_failed(people: People) -> None:
    period = next(p for p in reports.period_options() if reports.is_quarter_month(p) and p[:4] == reports.current_period()[:4])
    report_id = filled(people.ent, period, {"assets": (30, 30, 2800, 2800)})  # 资产总计 below 应收账款
    warnings = reports.submit_report(people.ent, report_id)
    assert warnings
    at = open_page(people.ent.username, HISTORY)
    assert f"未通过（{len(warnings)}）" in [p.proto.popover.label for p in at.get("popover")]
    assert "资产总计：本年1-本月应大于应收账款的本年1-本月" in joined(at.warning)


def test_frozen_report_shows_chinese_status_and_industry_name(people: People) -> None:
    """No raw code reaches the enterprise: the status reads 冻结 (not "frozen"), the industry its name."""
    from services.reference import industry
    from tests.monitor.conftest import _basic
    report_id = reports.open_report(people.ent, reports.current_period())
    basic = _basic(people.ent, report_id)
    save(people.ent, report_id, "basic", {**basic, "org_name": "玄武改名精密机械有限公司"})
    assert review.detail(people.ent, report_id).status == "frozen"
    at = open_page(people.ent.username, REPORT)
    shown = joined(at.caption) + joined(at.markdown)
    assert "状态：冻结" in shown and "frozen" not in shown
    answers = {row["题目"]: row["回答"] for frame in at.dataframe if "题目" in frame.value
               for row in frame.value.to_dict("records")}
    node = industry(basic["industry"])
    assert node is not None and answers["所属行业"] == f"{node.code} {node.name}"
