"""上报导入 — 下载本企业该月的 Excel 模板，填写后选择报表月份、填报人并上传：按在线填报的同样规则校验，
有任何错误则整个文件不导入（可下载单元格级错误清单）；成功后进入报表详细页."""
import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.monitor import excel_io, reports
from services.core.permissions import P_MONITOR_REPORT

actor = guard(P_MONITOR_REPORT)
st.title("上报导入")
st.caption("使用前请先下载数据模板。数值只能输入数字、小数点和正负号；金额单位千元，用电量单位度，从业人员单位人；"
           "带 * 的为必填项。2、5、8、11、12 月的模板含季度指标。")

c1, c2 = st.columns(2)
period = c1.selectbox("报表月份", reports.period_options(), key="mi_period", placeholder="请选择")
reporter = c2.text_input("填报人", key="mi_reporter", max_chars=64)

template = run_action("mi_template", lambda _: excel_io.template_xlsx(actor, period))
if template is None:
    st.stop()
st.download_button(f"下载 {md(period)} 数据模板", template, file_name=f"月报上报导入模板_{period}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
                   key="mi_template_download")

upload = st.file_uploader("选择待上报文件（.xlsx）", type=["xlsx"], key="mi_file")
if st.button("导入", type="primary", key="mi_import"):
    st.session_state.pop("mi_result", None)
    if upload is None:
        st.error("导入文件：请先选择待上报的 Excel 文件。")
    else:
        data = upload.getvalue()
        result = run_action("mi_import", lambda req: excel_io.import_report(actor, period, reporter, data, req))
        if result is not None and result.ok and result.report_id is not None:
            st.session_state["mh_flash"] = result.message     # shown on the report's detail (历史报送 › 查看)
            st.session_state["mh_focus_year"] = int(period[:4])
            st.session_state["mh_view"] = result.report_id
            st.switch_page("pages/monitor/monitor_history.py")
        if result is not None:
            st.session_state["mi_result"] = (period, result)

stored = st.session_state.get("mi_result")
if stored and not stored[1].ok:
    failed_period, failed = stored
    st.error(md(failed.message))
    st.dataframe(pd.DataFrame([{"工作表": e.sheet, "单元格": e.cell, "指标": e.indicator, "错误信息": e.message}
                               for e in failed.errors]), hide_index=True, width="stretch", key="mi_errors")
    if failed.errors_xlsx:
        st.download_button("下载错误清单", failed.errors_xlsx, file_name=f"月报上报导入错误清单_{failed_period}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/error:", key="mi_errors_download")
