"""自诊断情况查询 — 辖区内每家已注册企业的进度：未诊断 / 诊断中 / 已完成。"""
import pandas as pd
import streamlit as st

from components.downloads import XLSX_MIME, prepared_download
from components.nav import guard
from components.paging import paged
from components.pickers import region_picker
from services.cmmm import admin
from services.permissions import P_DIAG_ADMIN

PAGE = 20

actor = guard(P_DIAG_ADMIN)
st.title("自诊断情况查询")
region_code = region_picker("prog_region", None, "所在地区（辖区内）", root=actor.region_code)
keyword = st.text_input("企业名称关键词", key="prog_kw")
status = st.radio("进度", [None, "none", "in_progress", "completed"], horizontal=True, key="prog_status",
                  format_func=lambda s: "全部" if s is None else admin.PROGRESS_LABEL[s])
scope = region_code if region_code != actor.region_code else None
query = (scope, keyword, status)
counts = {k: 0 for k in admin.PROGRESS_LABEL}


def fetch(index: int) -> tuple[int, list[admin.ProgressRow]]:
    found, total, rows = admin.progress(actor, scope, keyword, status, index + 1, PAGE)
    counts.update(found)
    return total, rows


metrics = st.container()
rows = paged("prog", query, fetch, PAGE, "家")
for col, key in zip(metrics.columns(3), admin.PROGRESS_LABEL):
    col.metric(admin.PROGRESS_LABEL[key], f"{counts[key]:,}")
if rows:
    st.dataframe(pd.DataFrame([{"企业名称": r.org_name, "统一社会信用代码": r.credit_code, "所在地区": r.region_name,
                                "自诊断进度": r.status_label} for r in rows]), hide_index=True, width="stretch")
    prepared_download("prog_export", query, lambda: admin.export_progress(actor, scope, keyword, status),
                      "导出 Excel", "下载 Excel", "自诊断情况.xlsx", XLSX_MIME)
