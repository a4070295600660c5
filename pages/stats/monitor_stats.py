"""运行监测统计 — 辖区地图（点击下钻，面包屑返回）按所选指标着色；门类、企业规模图；同比增长与报送率表。"""
import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts import monitor_stats as ch
from components import stats_view as sv
from components.feedback import error_boundary, run_action, show_error
from components.nav import guard
from components.text import md
from db.monitor_stats import INDICATORS
from services.core.errors import ServiceError
from services.core.numfmt import fmt
from services.core.permissions import P_MONITOR_REVIEW
from services.monitor import reports
from services.stats import monitor_stats as ms

actor = guard(P_MONITOR_REVIEW)
st.title("运行监测统计")
with error_boundary():
    if actor.region_code is None and ms.needs_rebuild():
        st.warning("已有审核通过的月报，但统计汇总为空（例如升级之后）。请重建统计汇总。")
        if st.button("重建统计汇总", key="mstats_rebuild"):
            run_action("mstats_rebuild", lambda rid: ms.rebuild_summary(actor, rid), "统计汇总已重建。")
    c1, c2, c3 = st.columns([2, 3, 2])
    period = c1.selectbox("月份", reports.period_options(), key="mstats_period", placeholder="请选择月份")
    names = list(INDICATORS)
    indicator = c2.selectbox("指标", names, index=names.index(ch.DEFAULT_INDICATOR), format_func=ch.indicator_label,
                             key="mstats_indicator",
                             placeholder="请选择指标")
    ytd = c3.radio("口径", [False, True], format_func=lambda y: md(ch.period_label(y)), horizontal=True, key="mstats_ytd")
    sv.breadcrumbs(actor)
    parent = sv.current_parent(actor)
    try:
        figures = ms.region_figures(actor, parent, period)
        total, rows = figures
        sections = ms.industry_figures(actor, parent, period)
        sizes = ms.size_figures(actor, parent, period)
        own_rate, rates = ms.reporting_rates(actor, parent, period, figures)
    except ServiceError as err:
        show_error(err)
        st.stop()
    st.caption(f"{md(sv.place(actor))} · {md(period)} · 统计审核通过（终审）的月报；同比按企业填报的上年同期数计算。")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("审核通过月报", f"{total.n:,}")
    m2.metric(md(ch.indicator_label(indicator)), fmt(total.value(indicator, ytd), grouping=True))
    growth = total.growth(indicator, ytd)
    m3.metric("同比增长", "—" if growth is None else f"{fmt(growth)}%")
    m4.metric("报送率", "—" if own_rate.rate is None else f"{fmt(own_rate.rate)}%")
    left, right = st.columns([3, 2])
    with left:
        if sv.clickable_map(actor, parent, rows, lambda name, inset: ch.indicator_map(name, rows, indicator, ytd, inset),
                            f"mstats_map_{parent}_{period}_{indicator}_{ytd}", "520px"):
            st.caption("点击地区进入下一级；上方路径可返回。")
        else:
            st.info("此级别暂无地图边界数据，以下以表格显示。")
        child_names = {r.code: r.name for r in rows}
        pick = st.selectbox("进入下一级", [None] + [r.code for r in rows if r.n], key=f"mstats_drill_{parent}",
                            format_func=lambda c: "选择地区…" if c is None else child_names[c], placeholder="请选择地区")
        if pick:
            sv.drill_into(actor, pick)
            st.rerun()
    with right:
        st.markdown("**按门类**")
        st_echarts(ch.indicator_bars(sections, indicator, ytd, horizontal=True), height="420px",
                   key=f"mstats_sections_{parent}_{period}_{indicator}_{ytd}")
        st.markdown("**按企业规模**")
        st_echarts(ch.indicator_bars(sizes, indicator, ytd), height="260px",
                   key=f"mstats_sizes_{parent}_{period}_{indicator}_{ytd}")
    tab_region, tab_section, tab_size, tab_rate = st.tabs(["按地区同比", "按门类同比", "按规模同比", "报送率"])
    label = ch.indicator_label(indicator)
    with tab_region:
        frame = pd.DataFrame(ch.growth_rows(rows, "地区", indicator))
        st.dataframe(frame, hide_index=True, width="stretch")
        sv.export(frame, f"运行监测统计_{period}_{label}_地区", "mstats_export_region")
    with tab_section:
        st.dataframe(pd.DataFrame(ch.growth_rows(sections, "门类", indicator)), hide_index=True, width="stretch")
    with tab_size:
        st.dataframe(pd.DataFrame(ch.growth_rows(sizes, "企业规模", indicator)), hide_index=True, width="stretch")
    with tab_rate:
        st_echarts(ch.rate_bars(rates), height="300px", key=f"mstats_rate_{parent}_{period}")
        frame = pd.DataFrame(ch.rate_rows([own_rate, *rates], "地区"))
        st.dataframe(frame, hide_index=True, width="stretch")
        sv.export(frame, f"报送率_{period}", "mstats_export_rate")
