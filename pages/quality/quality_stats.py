"""质量等级统计 — 辖区内各下级地区 / 各制造业大类完成自评估的企业数（每家企业取最新一次）与总体等级、
各一级指标等级的分布（堆叠柱状图与表格）。数据：services/quality/stats.py（每次提交即时更新）。"""
import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts.quality import tier_stack
from components.feedback import error_boundary
from components.nav import guard
from components.text import md
from services.core.permissions import P_QUALITY_ADMIN
from services.quality import stats
from services.quality.admin import first_levels
from services.reference import region, region_children

actor = guard(P_QUALITY_ADMIN)
st.title("质量等级统计")

with error_boundary():
    by = st.radio("统计方式", ["按地区", "按行业"], horizontal=True, key="qs_by")
    parent = actor.region_code
    node = region(parent) if parent else None
    children = region_children(parent) if node is None or node.level != "county" else []
    if children:
        codes = ["", *(c.code for c in children)]
        names = {c.code: c.name for c in children}
        picked = st.selectbox("统计范围", codes, key="qs_parent", placeholder="请选择",
                              format_func=lambda c: f"全辖区（{node.name if node else '全国'}）" if not c else names[c])
        parent = picked or parent
    total, rows = (stats.by_region if by == "按地区" else stats.by_industry)(actor, parent)
    labels = stats.tier_labels()
    head = "地区" if by == "按地区" else "行业"
    st.metric("完成自评估的企业（家）", f"{total.n:,}")
    st.caption(md(f"{total.name} · 每家企业只计最新一次已提交的自评估 · 提交后即时更新"))
    st.markdown("#### 总体等级分布")
    st_echarts(tier_stack([r.name for r in rows], [r.tiers for r in rows], labels), height="420px",
               key=f"qs_overall_{by}_{parent}")
    table = pd.DataFrame([{head: r.name, "企业数": r.n, **{lbl: r.tiers[t] for t, lbl in enumerate(labels)}}
                          for r in rows if r.n])
    if table.empty:
        st.info("辖区内暂无已提交的自评估。")
    else:
        st.dataframe(table, hide_index=True, width="stretch")
    sections = dict(first_levels())
    section = st.selectbox("一级指标", list(sections), key="qs_section", format_func=lambda s: sections[s],
                           placeholder="请选择")
    st.markdown(f"#### {md(sections[section])} 等级分布")
    st_echarts(tier_stack([r.name for r in rows], [r.first_level[section] for r in rows], labels), height="420px",
               key=f"qs_first_{by}_{parent}_{section}")
