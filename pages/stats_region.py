"""按区域范围统计 — 下级地区的能力域 / 能力子域平均得分与等级分布对比（分组柱状图、热力图、表格）。"""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.stats import grouped_bars, heatmap, level_stack
from components import stats_view as sv
from components.nav import guard
from db.stats import DOMAINS, SUBDOMAINS
from services.errors import ValidationFailed
from services.permissions import P_STATS_VIEW
from services.stats import cmmm_stats

actor = guard(P_STATS_VIEW)
st.title("按区域范围统计")
scope, size, division = sv.filters()
sv.breadcrumbs(actor)
parent = sv.current_parent(actor)
try:
    total, rows = cmmm_stats.region_rows(actor, parent, scope, size, division)
except ValidationFailed as err:
    st.info(str(err))
    st.stop()
st.caption(f"{sv.place(actor)} · {total.n:,} 家企业 · 平均总分 {'—' if total.average is None else f'{total.average:.2f}'}")
granularity = st.radio("比较", ["能力域（12）", "能力子域（20）"], horizontal=True, key="stats_granularity")
pick, labels = ("domains", DOMAINS) if granularity.startswith("能力域") else ("subdomains", SUBDOMAINS)
tab_bars, tab_heat, tab_levels, tab_table = st.tabs(["分组柱状图", "热力图", "等级分布", "表格"])
with tab_bars:
    st_echarts(grouped_bars(rows, labels, pick), height="460px", key=f"bars_{parent}_{scope}_{size}_{division}_{pick}")
with tab_heat:
    st_echarts(heatmap(rows, labels, pick), height=f"{max(300, 28 * sum(1 for r in rows if r.n) + 140)}px",
               key=f"heat_{parent}_{scope}_{size}_{division}_{pick}")
with tab_levels:
    st_echarts(level_stack(rows), height="420px", key=f"levels_{parent}_{scope}_{size}_{division}")
with tab_table:
    frame = sv.table(rows, "地区", [(pick, labels, "")])
    st.dataframe(frame, hide_index=True, width="stretch")
    sv.export(frame, f"区域统计_{sv.place(actor)}_{sv.label(scope, size, division)}", key="region_export")
