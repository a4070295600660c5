"""按行业分类范围统计 — 辖区内 31 个制造业大类（GB/T 4754-2017 代码 13–43）的得分与等级分布。"""
import streamlit as st
from streamlit_echarts import st_echarts

from charts.stats import grouped_bars, heatmap, level_stack
from components import stats_view as sv
from components.nav import guard
from db.stats import DOMAINS
from services.errors import PermissionDenied
from services.permissions import P_STATS_VIEW
from services.stats import cmmm_stats

actor = guard(P_STATS_VIEW)
st.title("按行业分类范围统计")
scope, size, _ = sv.filters(with_industry=False)
sv.breadcrumbs(actor)
parent = sv.current_parent(actor)
try:
    total, rows = cmmm_stats.industry_rows(actor, parent, scope, size)
except PermissionDenied as err:
    st.info(str(err))
    st.stop()
st.caption(f"{sv.place(actor)} · {total.n:,} 家企业")
tab_bars, tab_heat, tab_levels, tab_table = st.tabs(["分组柱状图", "热力图", "等级分布", "表格"])
with tab_bars:
    st_echarts(grouped_bars(sorted(rows, key=lambda r: -r.n), DOMAINS), height="460px", key=f"ibars_{parent}_{scope}_{size}")
with tab_heat:
    st_echarts(heatmap(rows, DOMAINS), height="900px", key=f"iheat_{parent}_{scope}_{size}")
with tab_levels:
    st_echarts(level_stack(rows), height="420px", key=f"ilevels_{parent}_{scope}_{size}")
with tab_table:
    frame = sv.table(rows, "行业", [("domains", DOMAINS, "")])
    st.dataframe(frame, hide_index=True, width="stretch")
    sv.export(frame, f"行业统计_{sv.place(actor)}_{sv.label(scope, size)}", key="industry_export")
