"""质量自评估查询 — 辖区内已提交的质量管理能力自评估（筛选、选择显示列、导出全部结果为 Excel）；
声明见 specs/lists/quality_assessments.yaml，数据与管辖范围见 services/quality/admin.py。"""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import error_boundary
from components.nav import guard
from services.core.permissions import P_QUALITY_ADMIN

actor = guard(P_QUALITY_ADMIN)
st.title("质量自评估查询")
with error_boundary():
    if not admin_list("quality_assessments", actor, "qa"):
        st.info("没有符合条件的自评估记录。")
