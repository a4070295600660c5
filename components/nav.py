"""The page catalogue: each page declares the permission it needs; navigation shows only those."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from services.core.permissions import (P_ACCOUNT_MANAGE, P_DIAG_ADMIN, P_DIAG_FILL, P_FORMS_DESIGN, P_FORMS_FILL,
                                  P_FORMS_RESULTS, P_ORG_OWN, P_ORG_REVIEW, P_PROFILE, P_STATS_VIEW, Actor,
                                  has_perm)
from services.core.permissions import P_MONITOR_REPORT, P_MONITOR_REVIEW  # 运行监测 pages
from services.core.permissions import P_QUALITY_ADMIN, P_QUALITY_ASSESS, P_QUALITY_FILL  # 质量自评估
from services.core.permissions import (P_MARKET_BUY, P_MARKET_EXPERT, P_MARKET_FINAL, P_MARKET_OPERATE,  # 服务市场
                                       P_MARKET_SELL)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    group: str
    permission: str | tuple[str, ...] | None  # None: any signed-in user; a tuple: any one of them
    roles: frozenset[str] | None = None  # also one of these roles (None: any)
    menu: str | None = None  # a provider menu (services.market.providers.MENUS): staff see it only when granted


PAGES = [
    PageSpec("pages/common/home.py", "工作台", ":material/home:", "首页", None),
    PageSpec("pages/orgs/my_registration.py", "单位注册信息", ":material/apartment:", "我的单位", P_ORG_OWN),
    PageSpec("pages/cmmm/cmmm_diagnosis.py", "企业自诊断", ":material/precision_manufacturing:", "智能制造", P_DIAG_FILL),
    PageSpec("pages/forms/forms_fill.py", "在线填报", ":material/edit_note:", "我的单位", P_FORMS_FILL),
    PageSpec("pages/orgs/review_registrations.py", "注册审核", ":material/fact_check:", "管理", P_ORG_REVIEW),
    PageSpec("pages/admin/accounts_admin.py", "用户管理", ":material/manage_accounts:", "管理", P_ACCOUNT_MANAGE),
    PageSpec("pages/cmmm/cmmm_records.py", "自诊断记录查询", ":material/manage_search:", "智能制造", P_DIAG_ADMIN),
    PageSpec("pages/cmmm/cmmm_progress.py", "自诊断情况查询", ":material/donut_large:", "智能制造", P_DIAG_ADMIN),
    PageSpec("pages/stats/stats_map.py", "按地图范围统计", ":material/map:", "统计分析", P_STATS_VIEW),
    PageSpec("pages/stats/stats_region.py", "按区域范围统计", ":material/bar_chart:", "统计分析", P_STATS_VIEW),
    PageSpec("pages/stats/stats_industry.py", "按行业分类范围统计", ":material/factory:", "统计分析", P_STATS_VIEW),
    PageSpec("pages/stats/monitor_stats.py", "运行监测统计", ":material/monitoring:", "统计分析", P_MONITOR_REVIEW),
    PageSpec("pages/forms/forms_results.py", "问卷结果", ":material/analytics:", "问卷", P_FORMS_RESULTS),
    PageSpec("pages/forms/forms_visual_designer.py", "问卷调查管理", ":material/edit_document:", "问卷",
             (P_FORMS_DESIGN, P_FORMS_RESULTS)),
    PageSpec("pages/forms/forms_designer.py", "问卷设计", ":material/design_services:", "问卷", P_FORMS_DESIGN),
    PageSpec("pages/monitor/monitor_report.py", "当期报送", ":material/assignment:", "运行监测", P_MONITOR_REPORT),
    PageSpec("pages/monitor/monitor_history.py", "历史报送", ":material/history:", "运行监测", P_MONITOR_REPORT),
    PageSpec("pages/monitor/monitor_import.py", "上报导入", ":material/upload_file:", "运行监测", P_MONITOR_REPORT),
    PageSpec("pages/monitor/monitor_review.py", "月报审核", ":material/rule:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_enterprises.py", "监测企业管理", ":material/domain:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_admins.py", "下级管理员维护", ":material/supervisor_account:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_orgs.py", "企业基本信息查询", ":material/badge:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_unreported.py", "未报送企业查询", ":material/pending_actions:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_changes.py", "企业信息变更查询", ":material/change_circle:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_details.py", "经济指标月报明细查询", ":material/table_view:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_summary.py", "经济指标月报汇总查询", ":material/functions:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_products.py", "产品产销存月报查询", ":material/inventory_2:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_ranking.py", "报送龙虎榜", ":material/leaderboard:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_year_detail.py", "年度报送明细查询", ":material/event_available:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_year_counts.py", "年度报送企业数统计", ":material/calendar_month:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_q_analysis.py", "月度报送情况分析", ":material/analytics:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/monitor/monitor_admin_import.py", "数据批量上报导入", ":material/upload_file:", "运行监测",
             P_MONITOR_REVIEW),
    PageSpec("pages/admin/documents.py", "文档管理", ":material/folder_shared:", "运行监测", P_MONITOR_REVIEW),
    PageSpec("pages/market/todo.py", "我的待办", ":material/checklist:", "服务市场", None),
    PageSpec("pages/market/catalogue.py", "解决方案与产品", ":material/storefront:", "服务市场", None),
    PageSpec("pages/market/enterprise_background.py", "企业背景信息", ":material/fact_check:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/cart.py", "购物车", ":material/shopping_cart:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/my_orders.py", "订单管理", ":material/receipt_long:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/my_reviews.py", "我的评价", ":material/star:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/voucher_activities.py", "服务券活动", ":material/redeem:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/my_vouchers.py", "服务券查询", ":material/confirmation_number:", "服务市场", P_MARKET_BUY),
    PageSpec("pages/market/voucher_admin.py", "服务券管理", ":material/local_activity:", "服务市场", P_MARKET_OPERATE),
    PageSpec("pages/market/listing_edit.py", "商品上架", ":material/add_business:", "服务市场", P_MARKET_SELL, menu="商品上架"),
    PageSpec("pages/market/my_listings.py", "我的商品", ":material/inventory_2:", "服务市场", P_MARKET_SELL, menu="我的商品"),
    PageSpec("pages/market/provider_orders.py", "订单管理", ":material/receipt_long:", "服务市场", P_MARKET_SELL, menu="订单管理"),
    PageSpec("pages/market/provider_reviews.py", "客户评价", ":material/reviews:", "服务市场", P_MARKET_SELL, menu="客户评价"),
    PageSpec("pages/market/listing_review.py", "商品审批", ":material/approval:", "服务市场",
             (P_MARKET_OPERATE, P_MARKET_EXPERT, P_MARKET_FINAL)),
    PageSpec("pages/market/certification.py", "服务商认证审核", ":material/verified:", "服务市场", P_MARKET_OPERATE),
    PageSpec("pages/market/provider_users.py", "用户管理（服务商）", ":material/group:", "服务市场", P_MARKET_SELL,
             roles=frozenset({"provider"})),
    PageSpec("pages/market/experts.py", "专家团队", ":material/school:", "服务市场", None),
    PageSpec("pages/market/needs_survey.py", "企业需求收集", ":material/campaign:", "服务市场", None),
    PageSpec("pages/quality/quality_assess.py", "开始评估", ":material/verified_user:", "质量自评估", P_QUALITY_FILL),
    PageSpec("pages/quality/quality_history.py", "自评估历史", ":material/history_edu:", "质量自评估", P_QUALITY_FILL),
    PageSpec("pages/quality/quality_docs.py", "评估文档", ":material/menu_book:", "质量自评估", P_QUALITY_FILL),
    PageSpec("pages/quality/quality_applications.py", "评估申请", ":material/send:", "质量自评估", P_QUALITY_FILL),
    PageSpec("pages/quality/quality_questions.py", "我有疑问", ":material/help:", "质量自评估",
             (P_QUALITY_FILL, P_QUALITY_ASSESS)),
    PageSpec("pages/quality/quality_assessor.py", "评估申请受理", ":material/assignment_turned_in:", "质量自评估",
             P_QUALITY_ASSESS),
    PageSpec("pages/quality/quality_examples.py", "评估示例", ":material/menu_book:", "质量自评估",
             (P_QUALITY_FILL, P_QUALITY_ASSESS)),
    PageSpec("pages/quality/quality_admin.py", "质量自评估查询", ":material/manage_search:", "质量自评估", P_QUALITY_ADMIN),
    PageSpec("pages/quality/quality_stats.py", "质量等级统计", ":material/stacked_bar_chart:", "质量自评估",
             P_QUALITY_ADMIN),
    PageSpec("pages/common/inbox.py", "消息中心", ":material/notifications:", "账户", None),
    PageSpec("pages/common/profile.py", "个人中心", ":material/person:", "账户", P_PROFILE),
]
PUBLIC = [
    PageSpec("pages/common/login.py", "登录", ":material/login:", "", None),
    PageSpec("pages/common/register.py", "注册", ":material/person_add:", "", None),
    PageSpec("pages/market/needs_survey.py", "企业需求收集", ":material/campaign:", "", None),
    PageSpec("pages/market/experts.py", "专家团队", ":material/school:", "", None),
]


def visible_pages(actor: Actor) -> list[PageSpec]:
    """Return the pages ``actor`` may open."""
    pages = [p for p in PAGES if allowed(actor, p.permission) and (p.roles is None or bool(actor.roles & p.roles))]
    if any(p.menu for p in pages) and "provider_staff" in actor.roles and "provider" not in actor.roles:
        from services.market.providers import menus_for  # 应用内权限配置: a staff account's granted menus
        granted = menus_for(actor)
        pages = [p for p in pages if p.menu is None or p.menu in granted]
    return pages


def allowed(actor: Actor, permission: str | tuple[str, ...] | None) -> bool:
    """Does ``actor`` hold ``permission`` (None: anyone signed in; a tuple: any one of them)?"""
    if permission is None:
        return True
    return any(has_perm(actor, p) for p in ((permission,) if isinstance(permission, str) else permission))


def landing_page(actor: Actor | None) -> str:
    """Return the page to open first: an unfinished registration before anything else."""
    if actor is not None and has_perm(actor, P_ORG_OWN):
        from services.orgs.registration import my_org
        org = my_org(actor)
        if org is None or org.status != "approved":
            return "pages/orgs/my_registration.py"
    return "pages/common/home.py"


def navigation_for(actor: Actor | None, default: str = "pages/common/home.py") -> dict[str, list[st.Page]] | list[st.Page]:
    """Build the ``st.navigation`` argument for the actor (public pages when signed out)."""
    if actor is None:
        return [st.Page(p.path, title=p.title, icon=p.icon, default=i == 0) for i, p in enumerate(PUBLIC)]
    groups: dict[str, list[st.Page]] = {}
    for p in visible_pages(actor):
        groups.setdefault(p.group, []).append(st.Page(p.path, title=p.title, icon=p.icon, default=p.path == default))
    return groups


_CLOSE_SIDEBAR = """<script>/* %s */
(() => {
  const side = document.querySelector('[data-testid="stSidebar"]');
  if (!window.matchMedia("(max-width: 768px)").matches || !side || side.dataset.collapsed !== "false") return;
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (close) close.click();
})();
</script>"""


def close_sidebar_on_phone(page_path: str) -> None:
    """Fold the sidebar menu away after the user moved to another page, on a narrow screen.

    Streamlit folds it only for a phone's user agent, and keeps it open once the user opened it
    (its state is remembered in the browser), so the menu would stay over the page just chosen.
    A one-off script, sent on the run that changed the page, presses the sidebar's own close button."""
    if st.session_state.get("nav_page") == page_path:
        return
    st.session_state["nav_page"] = page_path
    st.sidebar.html(_CLOSE_SIDEBAR % (page_path or "home"),  # md: no user text - one of the app's own page paths
                    unsafe_allow_javascript=True)


def guard(permission: str | tuple[str, ...] | None) -> Actor:
    """Stop the page unless a signed-in actor holds ``permission`` (the services check again)."""
    actor: Actor | None = st.session_state.get("actor")
    if actor is None or not allowed(actor, permission):
        st.error("您无权访问此页面。")
        st.stop()
    assert actor is not None
    return actor
