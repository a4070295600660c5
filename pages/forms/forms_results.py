"""问卷结果 — 辖区内已提交的填报：明细表、Excel 导出、逐题统计。

Opens light: no questionnaire is chosen at first; the count is one SQL count; the detail table, its
Excel file and each question's statistics are computed only when asked for (a large assessment model
has hundreds of questions and thousands of responses)."""
import pandas as pd
import streamlit as st

from components.downloads import XLSX_MIME, prepared_download
from components.form_stats import question_stats_view
from components.nav import guard
from components.text import md
from services.forms import analysis, definitions
from services.io.excel import rows_to_xlsx
from services.core.permissions import P_FORMS_RESULTS

actor = guard(P_FORMS_RESULTS)
st.title("问卷结果")
versions = definitions.answered_versions(actor)  # every published or stopped version: old answers stay viewable
if not versions:
    st.info("暂无已发布的问卷。")
    st.stop()
by_id = {v.id: v for v in versions}
vid = st.selectbox("问卷", list(by_id), index=None, placeholder="请选择问卷",
                   format_func=lambda i: f"{by_id[i].title}（{by_id[i].kind_label} · {by_id[i].owner_label} · "
                                         f"第 {by_id[i].version} 版 · {by_id[i].status_label}，{by_id[i].questions} 题）",
                   key="res_version")
if vid is None:
    st.info("请选择问卷；明细、导出与逐题统计在选择后按需计算。")
    st.stop()
total = analysis.response_count(actor, vid)
st.caption(f"辖区内已提交 {total:d} 份")
if not total:
    st.stop()
view = st.radio("查看", ["明细", "逐题统计"], horizontal=True, key="res_view")
if view == "明细":
    shown = st.session_state.get("res_table") == vid
    if not shown and st.button("显示明细", key=f"res_show_{vid}", type="primary"):
        st.session_state["res_table"], shown = vid, True
    if shown:
        rows = analysis.responses_table(actor, vid)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        prepared_download("res_xlsx", vid, lambda: rows_to_xlsx(rows, title=by_id[vid].title), "生成 Excel",
                          "导出 Excel", f"{by_id[vid].code}.xlsx", XLSX_MIME)
else:
    question_stats_view(actor, vid, "res")
