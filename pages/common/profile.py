"""个人中心 — 查看和修改本账户信息，修改密码（修改后所有登录会话失效）."""
import streamlit as st

from components import signin
from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.identity import accounts
from services.core.permissions import P_PROFILE

actor = guard(P_PROFILE)
st.title("个人中心")
me = accounts.profile(actor)
st.markdown(f"用户名：`{md(me.username)}`　角色：{md(me.role_names)}"
            + (f"　单位：{md(me.org_name)}" if me.org_name else "") + (f"　辖区：{md(me.region_name)}" if me.region_name else ""))
left, right = st.columns(2)
with left, st.form("profile"):
    st.subheader("账户信息")
    name = st.text_input("名称", me.display_name)
    phone = st.text_input("手机号", me.phone or "", max_chars=11, help="手机号可用于找回密码")
    email = st.text_input("电子邮箱", me.email or "")
    if st.form_submit_button("保存"):
        run_action("profile", lambda rid: accounts.update_profile(actor, name, phone, email), "已保存。")
with right, st.form("password", clear_on_submit=True):
    st.subheader("修改密码")
    old = st.text_input("原密码 *", type="password")
    new = st.text_input("新密码 *", type="password", help="8–18 个字符，至少包含数字、大写字母、小写字母、特殊字符中的 3 种")
    new2 = st.text_input("确认新密码 *", type="password")
    if st.form_submit_button("确认"):
        if run_action("password", lambda rid: accounts.change_password(actor, old, new, new2) or True):
            signin.sign_out()
            st.session_state["flash"] = "密码已修改，请用新密码重新登录。"
            st.rerun()
