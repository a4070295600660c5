"""问卷结果 — 辖区内已提交的填报：明细表、Excel 导出、逐题统计。"""
import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts.forms import option_bar
from components.nav import guard
from services.forms import analysis, definitions
from services.io.excel import rows_to_xlsx
from services.numfmt import fmt, percent
from services.permissions import P_FORMS_RESULTS

actor = guard(P_FORMS_RESULTS)
st.title("问卷结果")
versions = definitions.published()
if not versions:
    st.info("暂无已发布的问卷。")
    st.stop()
by_id = {v.id: v for v in versions}
vid = st.selectbox("问卷", list(by_id), format_func=lambda i: f"{by_id[i].title}（{by_id[i].kind_label} · 第 {by_id[i].version} 版）", key="res_version", placeholder="请选择")
rows = analysis.responses_table(actor, vid)
st.caption(f"辖区内已提交 {len(rows)} 份")
if rows:
    tab_table, tab_stats = st.tabs(["明细", "逐题统计"])
    with tab_table:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.download_button("导出 Excel", rows_to_xlsx(rows, title=by_id[vid].title), file_name=f"{by_id[vid].code}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    with tab_stats:
        d = definitions.definition_for_version(vid)
        qs = [q for q in d.questions() if q.type not in ("note", "file", "matrix_fill", "text", "textarea")]
        name = st.selectbox("题目", [q.name for q in qs], format_func=lambda n: d.question(n).label, placeholder="请选择")
        stats = analysis.question_stats(actor, vid, name)
        if stats.options:
            st_echarts(option_bar([o[1] for o in stats.options], [o[2] for o in stats.options], stats.label),
                       height="360px", key=f"bar_{vid}_{name}")
            st.dataframe(pd.DataFrame([{"选项": o[1], "家数": o[2], "占比": percent(o[3])} for o in stats.options]),
                         hide_index=True)
        else:
            c1, c2, c3, c4 = st.columns(4)
            c1.metric("填答数", stats.count)
            c2.metric("平均", fmt(stats.mean, grouping=True))
            c3.metric("最小", fmt(stats.min, grouping=True))
            c4.metric("最大", fmt(stats.max, grouping=True))
