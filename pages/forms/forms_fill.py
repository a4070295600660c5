"""在线填报 — 打开已发布的问卷，分部分填写、保存、提交；查看已提交的填报。"""

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.form_renderer import render_response
from components.nav import guard
from components.text import md
from services.forms import definitions, responses
from services.core.permissions import P_FORMS_FILL

actor = guard(P_FORMS_FILL)
st.title("在线填报")
if "flash" in st.session_state:
    st.success(md(st.session_state.pop("flash")))

# a monthly report's questionnaires are filled only in 当期报送 step ④, never here
mine = [m for m in responses.my_responses(actor) if not m.monthly_report_part]
available = [v for v in definitions.fillable(actor) if not v.monthly_report_part]  # only those reaching us
tab_fill, tab_mine = st.tabs(["填报问卷", f"我的填报（{len(mine)}）"])
with tab_mine:
    if mine:
        st.dataframe(pd.DataFrame([{"问卷": m.title, "期别": m.period, "状态": m.status_label, "更新时间": m.updated_at}
                                   for m in mine]), hide_index=True, width="stretch")
        pick = st.selectbox("打开", [m.id for m in mine], key="mine_pick",
                            format_func=lambda i: next(f"{m.title} {m.period}（{m.status_label}）" for m in mine if m.id == i), placeholder="请选择")
        if st.button("查看 / 继续", key="mine_open"):
            st.session_state["active_response"] = pick
            st.rerun()
    else:
        st.info("还没有填报记录。")
with tab_fill:
    if not available:
        st.info("暂无已发布的问卷。")
    else:
        by_id = {v.id: v for v in available}
        vid = st.selectbox("选择问卷", list(by_id), format_func=lambda i: f"{by_id[i].title}（第 {by_id[i].version} 版）", placeholder="请选择")
        chosen = by_id[vid]
        periods = responses.period_choices(definitions.definition_for_version(vid).period)  # the service's rule
        period = periods.default
        if len(periods.options) > 1:
            period = st.selectbox(periods.label, periods.options, key=f"fill_period_{periods.kind}", placeholder="请选择")  # md: a constant of the service (月份 / 季度 / 年度)
        if st.button("开始 / 继续填报", type="primary"):
            rid = run_action("open_response", lambda _: responses.open_response(actor, vid, period))
            if rid:
                st.session_state["active_response"] = rid
                st.rerun()

active = st.session_state.get("active_response")
if active:
    st.divider()
    view = responses.get_response(actor, active)
    st.markdown(f"### {md(view.title)} {md(view.period)}　·　{md(view.status_label)}")
    render_response(actor, active)
