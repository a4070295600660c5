"""按区域范围统计 — 下级地区的能力域 / 能力子域平均得分与等级分布对比（分组柱状图、雷达图、热力图、表格）。"""
import streamlit as st

from components import stats_view as sv
from components.nav import guard
from components.text import md
from services.core.numfmt import fmt
from services.core.permissions import P_STATS_VIEW

actor = guard(P_STATS_VIEW)
st.title("按区域范围统计")
scope, size, division, parent, total, rows = sv.region_view(actor)
st.caption(f"{md(sv.place(actor))} · {total.n:,} 家企业 · 平均总分 {fmt(total.average)}")
sv.comparison(rows, "地区", f"region_{parent}_{scope}_{size}_{division}",
              f"区域统计_{sv.place(actor)}_{sv.label(scope, size, division)}")
