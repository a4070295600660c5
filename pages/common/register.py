"""注册 — 第 1 步：填写帐号信息（第 2 步在登录后的「单位注册信息」中完成，草稿保存在服务器）."""
import streamlit as st

from components import signin
from components.feedback import run_action
from services.identity import auth
from services.orgs import registration

st.title("欢迎注册")
st.markdown("**① 填写帐号信息** → ② 填写单位信息 → ③ 等待审核")
with st.form("register_account"):
    kind = st.radio("角色", list(registration.KINDS), format_func=registration.KINDS.get, horizontal=True)
    username = st.text_input("用户名 *", help="4–32 位英文字母、数字或下划线，以字母开头")
    phone = st.text_input("手机号 *", max_chars=11)
    email = st.text_input("电子邮箱")
    password = st.text_input("密码 *", type="password",
                             help="8–18 个字符，至少包含数字、大写字母、小写字母、特殊字符中的 3 种")
    password2 = st.text_input("确认密码 *", type="password")
    agreed = st.checkbox("我已阅读并同意《用户服务协议》和《隐私声明》")
    submitted = st.form_submit_button("下一步", type="primary")
if submitted:
    if not agreed:
        st.error("请先阅读并同意《用户服务协议》和《隐私声明》。")
    else:
        account_id = run_action("register_account", lambda rid: registration.register_account(
            kind, username, password, password2, phone, email, request_id=rid))
        if account_id:
            token, _ = auth.sign_in(username.strip(), password, signin.client_id())
            signin.remember(token)
            st.rerun()
st.page_link("pages/common/login.py", label="已有账户，前往登录", icon=":material/login:")
