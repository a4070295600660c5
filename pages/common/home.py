"""工作台 — 待办与辖区概况."""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.orgs import size_pie
from components.nav import guard
from components.text import md
from services import orgs
from services.orgs import registration
from services.monitor import reports
from services.core.permissions import P_MONITOR_REPORT, P_ORG_OWN, P_ORG_REVIEW, P_ORG_VIEW, has_perm
from services.reference import region_full_name

actor = guard(None)
org: registration.OrgView | None = None
st.title(f"您好，{md(actor.display_name)}")
if has_perm(actor, P_ORG_OWN):
    org = registration.my_org(actor)
    st.info(f"单位注册状态：**{md(org.status_label) if org else '未填写单位信息'}**")
if has_perm(actor, P_MONITOR_REPORT) and org is not None and org.status == "approved":
    home = reports.home_summary(actor)
    st.subheader(f"本月月报：{md(home.period)}")
    c1, c2, c3 = st.columns(3)
    c1.metric("月报状态", md(home.status_label))
    c2.metric("报送截止", md(home.due.isoformat()), None if home.reported else
              (f"还剩 {home.days_left:d} 天" if home.days_left >= 0 else f"已逾期 {-home.days_left:d} 天"),
              delta_color="normal" if home.days_left >= 0 else "inverse")
    c3.metric("未读消息", f"{home.unread:d}")
    for period, reason in home.returned:
        st.error(f"{md(period)} 月报被退回：{md(reason)}　请修改后重新上报。")
    c1.page_link("pages/monitor/monitor_report.py", label="去填报", icon=":material/edit_note:")
    if home.unread:
        c3.page_link("pages/common/inbox.py", label="查看消息", icon=":material/mail:")
if has_perm(actor, P_ORG_REVIEW):
    counts = registration.review_counts(actor)
    c1, c2 = st.columns([1, 3])
    c1.metric("待审核注册申请", f"{counts.get('pending', 0):d}")
    c2.page_link("pages/orgs/review_registrations.py", label="去审核", icon=":material/fact_check:")
if registration.certifies_providers(actor):  # the platform operator: 服务商认证审核
    counts = registration.review_counts(actor)
    c1, c2 = st.columns([1, 3])
    c1.metric("待认证服务商", f"{counts.get('pending', 0):d}")
    c2.page_link("pages/market/certification.py", label="去认证审核", icon=":material/verified:")
if has_perm(actor, P_ORG_VIEW):
    ov = orgs.overview(actor)
    st.subheader(f"辖区概况：{md(region_full_name(actor.region_code))}")
    c1, c2, c3 = st.columns(3)
    c1.metric("单位总数", f"{ov.total:d}")
    c2.metric("企业", f"{ov.by_kind.get('enterprise', 0):d}")
    c3.metric("服务商", f"{ov.by_kind.get('provider', 0):d}")
    if ov.by_size:
        st_echarts(size_pie(ov.by_size), height="320px", key="home_size_pie")
