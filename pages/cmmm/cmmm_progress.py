"""自诊断情况查询 — 辖区内每家已注册企业的进度：未诊断 / 诊断中 / 已完成（specs/lists/cmmm_progress.yaml）。"""
import streamlit as st

from components.admin_list import admin_list
from components.nav import guard
from services.core.permissions import P_DIAG_ADMIN

actor = guard(P_DIAG_ADMIN)
st.title("自诊断情况查询")
admin_list("cmmm_progress", actor, "prog")
