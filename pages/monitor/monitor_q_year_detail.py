"""年度报送明细查询 — 辖区内的查询结果（筛选、选择显示列、导出全部结果为 Excel）；声明见 specs/lists/monitor_q_year_detail.yaml."""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import error_boundary
from components.nav import guard
from services.core.permissions import P_MONITOR_REVIEW

actor = guard(P_MONITOR_REVIEW)
st.title("年度报送明细查询")
with error_boundary():
    if not admin_list("monitor_q_year_detail", actor, "q_year_detail"):
        st.info("没有符合条件的企业。")
