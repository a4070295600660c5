"""按地图范围统计 — 辖区地图（点击下钻到下一级，面包屑返回），按所选指标着色；旁边是合计、等级分布和下级地区表。"""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.stats import MEASURES, choropleth, level_pie
from components import stats_view as sv
from components.nav import guard
from services.core.numfmt import fmt, percent
from services.core.permissions import P_STATS_VIEW

actor = guard(P_STATS_VIEW)
st.title("按地图范围统计")
scope, size, division, parent, total, rows = sv.region_view(actor)
st.caption("统计按企业计数：每家企业只计最新一次自诊断（按年份统计时为该年最新一次）；"
           "「自诊断记录查询」逐条列出每一次自诊断，条数可能多于此处的企业数。")
measure = st.radio("着色指标", list(MEASURES), format_func=MEASURES.get, horizontal=True, key="stats_measure")
left, right = st.columns([3, 2])
with left:
    if sv.clickable_map(actor, parent, rows, lambda name, inset: choropleth(name, rows, measure, inset),
                        f"map_{parent}_{scope}_{size}_{division}_{measure}"):
        st.caption("点击地区进入下一级；上方路径可返回。")
    else:
        st.info("此级别暂无地图边界数据，以下以表格显示。")
    pick = st.selectbox("进入下一级", [None] + [r.code for r in rows if r.n], key=f"drill_{parent}",
                        format_func=lambda c: "选择地区…" if c is None else next(r.name for r in rows if r.code == c), placeholder="请选择")
    if pick:
        sv.drill_into(actor, pick)
        st.rerun()
with right:
    c1, c2, c3 = st.columns(3)
    c1.metric("企业数", f"{total.n:,}")
    c2.metric("平均总分", fmt(total.average))
    c3.metric("二级及以上", percent(total.share_l2_plus))
    st_echarts(level_pie(total.levels, f"{sv.place(actor)} 等级分布"), height="320px", key=f"pie_{parent}_{scope}_{size}_{division}")
sv.table_with_export(rows, "地区", f"地图统计_{sv.place(actor)}_{sv.label(scope, size, division)}", "map_export")
