"""按行业分类范围统计 — 辖区内 31 个制造业大类（GB/T 4754-2017 代码 13–43）的能力域 / 能力子域得分与等级分布。"""
import streamlit as st

from components import stats_view as sv
from components.nav import guard
from components.text import md
from services.core.errors import PermissionDenied
from services.core.permissions import P_STATS_VIEW
from services.stats import cmmm_stats

actor = guard(P_STATS_VIEW)
st.title("按行业分类范围统计")
scope, size, _ = sv.filters(with_industry=False)
sv.breadcrumbs(actor)
parent = sv.current_parent(actor)
try:
    total, rows = cmmm_stats.industry_rows(actor, parent, scope, size)
except PermissionDenied as err:
    st.info(md(err))
    st.stop()
st.caption(f"{md(sv.place(actor))} · {total.n:,} 家企业")
sv.comparison(rows, "行业", f"industry_{parent}_{scope}_{size}", f"行业统计_{sv.place(actor)}_{sv.label(scope, size)}",
              by_size=True)
