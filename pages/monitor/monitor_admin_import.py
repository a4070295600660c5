"""数据批量上报导入 — 管理员下载所选月份的模板，把辖区内企业的经济指标和产品产销存整理成一个文件上传：
按在线填报的同样规则逐家校验，有任何错误则整个文件不导入（可下载标出错误单元格的错误清单）；
全部通过则一次写入并为每家企业上报（services/monitor/admin_import.py）。"""
import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.core.permissions import P_MONITOR_REVIEW
from services.monitor import admin_import, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = guard(P_MONITOR_REVIEW)
st.title("数据批量上报导入")
st.caption("地方管理员或授权的下级管理员可将所管理企业的经济指标和产品产销存月报线下整理成规定的 Excel 模板格式，"
           "上传后实现企业数据批量上报。使用前请务必先下载数据模板。建议每个文件不超过 100 家企业；"
           "推荐企业用户通过在线填报或上报导入自行报送。")

period = st.selectbox("报表月份", reports.period_options(), key="mai_period", placeholder="请选择")
cached = st.session_state.get("mai_template")   # (month, workbook): not rebuilt on every rerun
template = cached[1] if cached and cached[0] == period else \
    run_action("mai_template", lambda _: admin_import.template_xlsx(actor, period))
if template is None:
    st.stop()
st.session_state["mai_template"] = (period, template)
st.download_button(f"下载 {md(period)} 数据模板", template, file_name=f"批量上报导入模板_{period}.xlsx", mime=XLSX,
                   icon=":material/download:", key="mai_template_download")

with st.form("mai_form"):
    upload = st.file_uploader("选择上报数据文件（.xlsx）", type=["xlsx"], key="mai_file")
    submitted = st.form_submit_button("导入", type="primary")
if submitted:
    st.session_state.pop("mai_result", None)
    if upload is None:
        st.error("导入文件：请先选择要导入的 Excel 文件。")
    else:
        data = upload.getvalue()
        bar = st.progress(0.0, text="正在检查文件")

        def step(fraction: float, text: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=md(text))

        result = run_action("mai_import", lambda req: admin_import.import_reports(actor, period, data, req, step))
        if result is not None:
            st.session_state["mai_result"] = result

stored = st.session_state.get("mai_result")
if stored is not None:
    if stored.ok:
        st.success(md(stored.message))
    else:
        st.error(md(stored.message))
        st.dataframe(pd.DataFrame([{"工作表": e.sheet, "行": e.row or None, "列": e.column, "单元格": e.cell,
                                    "企业": e.enterprise, "错误信息": e.message} for e in stored.errors]),
                     hide_index=True, width="stretch", key="mai_errors")
        if stored.errors_xlsx:
            st.download_button("下载错误清单（含标红的上传文件）", stored.errors_xlsx,
                               file_name=f"批量上报导入错误清单_{stored.period}.xlsx", mime=XLSX,
                               icon=":material/error:", key="mai_errors_download")
