"""Role-based navigation: the page catalogue per role, what st.navigation registers, and the guard."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components import nav
from services.identity.accounts import create_account
from services.core.permissions import ROLES
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user
from tests.pages.helpers import ROOT, assert_clean, registered_pages, signed_in

HOME, MINE, REVIEW, ACCOUNTS, PROFILE = ("pages/common/home.py", "pages/orgs/my_registration.py",
                                         "pages/orgs/review_registrations.py", "pages/admin/accounts_admin.py",
                                         "pages/common/profile.py")
FILL, RESULTS, DESIGN = "pages/forms/forms_fill.py", "pages/forms/forms_results.py", "pages/forms/forms_designer.py"
SURVEYS = "pages/forms/forms_visual_designer.py"   # 问卷调查管理: designers, and administrators it is distributed to
DIAG, RECORDS, PROGRESS = "pages/cmmm/cmmm_diagnosis.py", "pages/cmmm/cmmm_records.py", "pages/cmmm/cmmm_progress.py"
SMAP, SREGION, SINDUSTRY = "pages/stats/stats_map.py", "pages/stats/stats_region.py", "pages/stats/stats_industry.py"
MSTATS = "pages/stats/monitor_stats.py"   # 运行监测统计: monitoring administrators
MREPORT, MHISTORY, MREVIEW, INBOX = ("pages/monitor/monitor_report.py", "pages/monitor/monitor_history.py", "pages/monitor/monitor_review.py",
                                     "pages/common/inbox.py")
VACT, VMINE, VADMIN = "pages/market/voucher_activities.py", "pages/market/my_vouchers.py", "pages/market/voucher_admin.py"
CATALOGUE = "pages/market/catalogue.py"   # 解决方案与产品: every signed-in user
TODO, EXPERTS, NEEDS, CERTIFY = ("pages/market/todo.py", "pages/market/experts.py", "pages/market/needs_survey.py",
                                 "pages/market/certification.py")
# 服务市场 pages every signed-in user sees (issue 16): 我的待办, 解决方案与产品, 专家团队, 企业需求收集
MARKET = {TODO, CATALOGUE, EXPERTS, NEEDS}
BUYER = {"pages/market/enterprise_background.py", "pages/market/cart.py", "pages/market/my_orders.py",
         "pages/market/my_reviews.py", VACT, VMINE}
EXPECTED = {
    "enterprise": ({HOME, MINE, DIAG, FILL, MREPORT, MHISTORY, "pages/monitor/monitor_import.py", INBOX, PROFILE,
                    "pages/quality/quality_assess.py", "pages/quality/quality_history.py",
                    "pages/quality/quality_docs.py", "pages/quality/quality_applications.py",
                    "pages/quality/quality_questions.py", "pages/quality/quality_examples.py"} | MARKET | BUYER,
                   ["工作台", "单位注册信息", "企业自诊断", "在线填报", "当期报送", "历史报送", "上报导入", "我的待办",
                    "解决方案与产品", "企业背景信息", "购物车", "订单管理", "我的评价", "服务券活动", "服务券查询", "专家团队",
                    "企业需求收集", "开始评估", "自评估历史", "评估文档", "评估申请", "我有疑问", "评估示例", "消息中心",
                    "个人中心"]),
    "admin_county": ({HOME, REVIEW, ACCOUNTS, RECORDS, PROGRESS, SMAP, SREGION, SINDUSTRY, MSTATS, RESULTS, SURVEYS, MREVIEW,
                      "pages/monitor/monitor_enterprises.py", "pages/monitor/monitor_admins.py",
                      "pages/monitor/monitor_q_orgs.py", "pages/monitor/monitor_q_unreported.py",
                      "pages/monitor/monitor_q_changes.py", "pages/monitor/monitor_q_year_counts.py",
                      *(f"pages/monitor/monitor_q_{q}.py" for q in ("details", "summary", "products", "ranking",
                                                                     "year_detail", "analysis")),
                      "pages/monitor/monitor_admin_import.py", "pages/admin/documents.py", INBOX,
                      PROFILE, "pages/quality/quality_admin.py", "pages/quality/quality_stats.py"} | MARKET,
                     ["工作台", "注册审核", "用户管理", "自诊断记录查询", "自诊断情况查询", "按地图范围统计", "按区域范围统计",
                      "按行业分类范围统计", "运行监测统计", "问卷结果", "问卷调查管理", "月报审核", "监测企业管理", "下级管理员维护",
                      "企业基本信息查询", "未报送企业查询", "企业信息变更查询", "经济指标月报明细查询", "经济指标月报汇总查询",
                      "产品产销存月报查询", "报送龙虎榜", "年度报送明细查询", "年度报送企业数统计", "月度报送情况分析",
                      "数据批量上报导入", "文档管理", "我的待办", "解决方案与产品",
                      "专家团队", "企业需求收集", "质量自评估查询", "质量等级统计", "消息中心", "个人中心"]),
    "sysadmin": ({HOME, REVIEW, ACCOUNTS, SMAP, SREGION, SINDUSTRY, RESULTS, SURVEYS, DESIGN, INBOX, PROFILE} | MARKET,
                 ["工作台", "注册审核", "用户管理", "按地图范围统计", "按区域范围统计", "按行业分类范围统计", "问卷结果",
                  "问卷调查管理", "问卷设计", "我的待办", "解决方案与产品", "专家团队", "企业需求收集", "消息中心", "个人中心"]),
    "operator": ({HOME, VADMIN, "pages/market/listing_review.py", CERTIFY, INBOX, PROFILE} | MARKET,
                 ["工作台", "我的待办", "解决方案与产品", "服务券管理", "商品审批", "服务商认证审核", "专家团队", "企业需求收集",
                  "消息中心", "个人中心"]),
}


def make_user(role: str) -> str:
    """Create a user holding ``role`` (enterprise: with an approved organisation); return the username."""
    assert role in ROLES
    if role == "enterprise":
        return make_enterprise_user("320102", status="approved")[0].username
    if role == "admin_county":
        return make_admin("320102", role=role).username
    username = f"nav_{role}"
    create_account(username, PASSWORD, [role])
    return username


@pytest.mark.parametrize("role", list(EXPECTED))
def test_visible_pages_per_role(app, role: str) -> None:  # type: ignore[no-untyped-def]
    paths, titles = EXPECTED[role]
    actor = actor_of(make_user(role))
    pages = nav.visible_pages(actor)
    assert [p.title for p in pages] == titles
    assert {p.path for p in pages} == paths


@pytest.mark.parametrize("role", list(EXPECTED))
def test_rendered_navigation_per_role(app, role: str) -> None:  # type: ignore[no-untyped-def]
    paths, _ = EXPECTED[role]
    at = signed_in(make_user(role), PASSWORD)
    assert at.title[0].value.startswith("您好")
    assert registered_pages(at) == paths
    # Every registered page renders for this role without error or refusal.
    for path in sorted(paths):
        at.switch_page(path).run()
        assert_clean(at)
        assert "您无权访问此页面。" not in [e.value for e in at.error], path
    # Pages outside the role cannot be reached at all.
    for path in {HOME, MINE, REVIEW, ACCOUNTS, PROFILE} - paths:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)


def test_enterprise_cannot_open_admin_pages(app) -> None:  # type: ignore[no-untyped-def]
    at = signed_in(make_user("enterprise"), PASSWORD)
    titles = [p.title for p in nav.visible_pages(at.session_state["actor"])]
    assert "注册审核" not in titles and "用户管理" not in titles
    assert not {REVIEW, ACCOUNTS} & registered_pages(at)
    for path in (REVIEW, ACCOUNTS):
        with pytest.raises(ValueError):
            at.switch_page(path)


def test_admin_opens_review_and_accounts(app) -> None:  # type: ignore[no-untyped-def]
    at = signed_in(make_user("admin_county"), PASSWORD)
    at.switch_page(REVIEW).run()
    assert [t.value for t in at.title] == ["注册审核"]
    at.switch_page(ACCOUNTS).run()
    assert [t.value for t in at.title] == ["用户管理"]


def test_signed_out_visitor_sees_only_public_pages(app) -> None:  # type: ignore[no-untyped-def]
    at = app.run()
    assert registered_pages(at) == {"pages/common/login.py", "pages/common/register.py", NEEDS, EXPERTS}
    with pytest.raises(ValueError):
        at.switch_page(HOME)
    for path in (NEEDS, EXPERTS):      # the public marketplace pages render without an account
        at.switch_page(path).run()
        assert_clean(at)


def test_unfinished_registration_lands_on_my_registration(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102", status="pending")
    at = signed_in(actor.username, PASSWORD)
    assert [t.value for t in at.title] == ["单位注册信息"]
    assert nav.landing_page(actor) == MINE
    assert nav.landing_page(actor_of(make_user("operator"))) == HOME


@pytest.mark.parametrize("page,perm_role", [(REVIEW, "enterprise"), (ACCOUNTS, "enterprise"), (MINE, "operator")])
def test_guard_refuses_a_page_run_directly(app, page: str, perm_role: str) -> None:  # type: ignore[no-untyped-def]
    """Even if a page script runs for an actor without its permission, it shows only the refusal."""
    page_at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    page_at.session_state["actor"] = actor_of(make_user(perm_role))
    page_at.run()
    assert [e.value for e in page_at.error] == ["您无权访问此页面。"]
    assert len(page_at.title) == 0


def test_guard_refuses_when_signed_out(app) -> None:  # type: ignore[no-untyped-def]
    page_at = AppTest.from_file(str(ROOT / PROFILE), default_timeout=60)
    page_at.run()
    assert [e.value for e in page_at.error] == ["您无权访问此页面。"]


def test_navigation_lists_every_page_without_view_more(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Streamlit folds a long sidebar menu behind an English "View 4 more" (hiding 监测企业管理 … 个人中心
    from county administrators) unless ``st.navigation(expanded=True)``."""
    import streamlit as st
    seen: list[object] = []
    real = st.navigation

    def spy(pages, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("expanded", False))
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    at = signed_in(make_user("admin_county"), PASSWORD)
    assert_clean(at)
    assert seen and all(value is True for value in seen)


def _close_scripts(at: AppTest) -> list[str]:
    return [str(e.proto.body) for e in at.sidebar.get("html") if "stSidebarCollapseButton" in str(e.proto.body)]


def test_sidebar_folds_away_on_a_phone_after_changing_page(app) -> None:  # type: ignore[no-untyped-def]
    at = signed_in(make_user("admin_county"), PASSWORD)
    at.switch_page(ACCOUNTS).run()
    assert_clean(at)
    scripts = _close_scripts(at)  # sent once, on the run that changed the page
    assert len(scripts) == 1 and "max-width: 768px" in scripts[0]
    at.run()
    assert _close_scripts(at) == []  # a rerun on the same page leaves the sidebar as the user set it
    at.switch_page(REVIEW).run()
    assert len(_close_scripts(at)) == 1
