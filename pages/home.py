"""工作台 — 待办与辖区概况."""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.orgs import size_pie
from components.nav import guard
from services import orgs, registration
from services.permissions import P_ORG_OWN, P_ORG_REVIEW, P_ORG_VIEW, has_perm
from services.reference import region_full_name

actor = guard(None)
st.title(f"您好，{actor.display_name}")
if has_perm(actor, P_ORG_OWN):
    org = registration.my_org(actor)
    st.info(f"单位注册状态：**{org.status_label if org else '未填写单位信息'}**")
if has_perm(actor, P_ORG_REVIEW):
    counts = registration.review_counts(actor)
    c1, c2 = st.columns([1, 3])
    c1.metric("待审核注册申请", counts.get("pending", 0))
    c2.page_link("pages/review_registrations.py", label="去审核", icon=":material/fact_check:")
if has_perm(actor, P_ORG_VIEW):
    ov = orgs.overview(actor)
    st.subheader(f"辖区概况：{region_full_name(actor.region_code)}")
    c1, c2, c3 = st.columns(3)
    c1.metric("单位总数", ov.total)
    c2.metric("企业", ov.by_kind.get("enterprise", 0))
    c3.metric("服务商", ov.by_kind.get("provider", 0))
    if ov.by_size:
        st_echarts(size_pie(ov.by_size), height="320px", key="home_size_pie")
