"""月度报送情况分析 — 辖区内的查询结果（筛选、选择显示列、导出全部结果为 Excel）；声明见 specs/lists/monitor_q_analysis.yaml."""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import error_boundary
from components.nav import guard
from services.core.permissions import P_MONITOR_REVIEW

actor = guard(P_MONITOR_REVIEW)
st.title("月度报送情况分析")
with error_boundary():
    if not admin_list("monitor_q_analysis", actor, "q_analysis"):
        st.info("没有可分析的上报数据。")
