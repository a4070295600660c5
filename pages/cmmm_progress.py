"""自诊断情况查询 — 辖区内每家已注册企业的进度：未诊断 / 诊断中 / 已完成。"""
import pandas as pd
import streamlit as st

from components.nav import guard
from components.pickers import region_picker
from services.cmmm import admin
from services.permissions import P_DIAG_ADMIN

actor = guard(P_DIAG_ADMIN)
st.title("自诊断情况查询")
region_code = region_picker("prog_region", None, "所在地区（辖区内）", root=actor.region_code)
keyword = st.text_input("企业名称关键词", key="prog_kw")
status = st.radio("进度", [None, "none", "in_progress", "completed"], horizontal=True, key="prog_status",
                  format_func=lambda s: "全部" if s is None else admin.PROGRESS_LABEL[s])
scope = region_code if region_code != actor.region_code else None
page = st.session_state.get("prog_page", 1)
counts, total, rows = admin.progress(actor, scope, keyword, status, page)
c1, c2, c3 = st.columns(3)
for col, key in zip((c1, c2, c3), ("none", "in_progress", "completed")):
    col.metric(admin.PROGRESS_LABEL[key], f"{counts[key]:,}")
st.caption(f"共 {total:,} 家 · 第 {page} 页")
if rows:
    st.dataframe(pd.DataFrame([{"企业名称": r.org_name, "统一社会信用代码": r.credit_code, "所在地区": r.region_name,
                                "自诊断进度": r.status_label} for r in rows]), hide_index=True, width="stretch")
b1, b2, b3 = st.columns([1, 1, 4])
if b1.button("上一页", disabled=page <= 1, key="prog_prev"):
    st.session_state["prog_page"] = page - 1
    st.rerun()
if b2.button("下一页", disabled=page * 20 >= total, key="prog_next"):
    st.session_state["prog_page"] = page + 1
    st.rerun()
if b3.button("导出 Excel", key="prog_export"):
    st.download_button("下载", admin.export_progress(actor, scope, keyword), file_name="自诊断情况.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
