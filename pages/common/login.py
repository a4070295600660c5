"""登录."""
import streamlit as st

from components import signin
from components.text import md

st.title("惠企 · 企业服务数据平台")
st.caption("智能制造成熟度自诊断 · 中小企业运行监测 · 数字化转型服务 · 质量管理能力自评估")
left, _ = st.columns([2, 3])
with left:
    if "flash" in st.session_state:
        st.success(md(st.session_state.pop("flash")))
    if signin.sign_in_form() is not None:
        st.rerun()
    st.page_link("pages/common/register.py", label="还没有账户？企业 / 服务商注册", icon=":material/person_add:")
    st.caption("忘记密码请联系所在地区管理员重置（管理员在「用户管理」中可重置密码）。")
