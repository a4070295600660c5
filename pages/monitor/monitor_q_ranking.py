"""报送龙虎榜 — 辖区内的查询结果（筛选、选择显示列、导出全部结果为 Excel）；声明见 specs/lists/monitor_q_ranking.yaml."""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import error_boundary
from components.nav import guard
from services.core.permissions import P_MONITOR_REVIEW

actor = guard(P_MONITOR_REVIEW)
st.title("报送龙虎榜")
with error_boundary():
    if not admin_list("monitor_q_ranking", actor, "q_ranking"):
        st.info("没有可统计的地区或管理员。")
