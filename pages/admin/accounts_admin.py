"""用户管理 — 本人可管理的账户（辖区内级别更低者，services.identity.account_rank）：查询，修改手机号 / 邮箱，重置密码，停用 / 启用."""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import run_action
from components.nav import guard
from components.org_form import load_into_state, org_fields
from services.identity import accounts
from services.orgs import registration
from services.core.permissions import P_ACCOUNT_MANAGE, P_ORG_EDIT, has_perm

actor = guard(P_ACCOUNT_MANAGE)
st.title("用户管理")
rows = admin_list("accounts", actor, "acc")
if not rows:
    st.stop()
by_id = {a.id: a for a in rows}
chosen = st.selectbox("选择账户", list(by_id), format_func=lambda i: f"{by_id[i].username}（{by_id[i].display_name}）", placeholder="请选择")
acc = by_id[chosen]
tab1, tab2, tab3, tab4 = st.tabs(["修改信息", "重置密码", "停用 / 启用", "单位信息"])
with tab1, st.form(f"edit_{acc.id}"):
    name = st.text_input("名称", acc.display_name)
    phone = st.text_input("手机号", acc.phone or "", max_chars=11)
    email = st.text_input("电子邮箱", acc.email or "")
    if st.form_submit_button("保存"):
        run_action(f"edit_{acc.id}", lambda rid: accounts.admin_update(actor, acc.id, name, phone, email), "已保存。")
with tab2, st.form(f"reset_{acc.id}", clear_on_submit=True):
    new_pw = st.text_input("新密码", type="password", help="8–18 个字符，至少 3 种字符；用户的登录会话将全部失效")
    if st.form_submit_button("重置密码"):
        run_action(f"reset_{acc.id}", lambda rid: accounts.reset_password(actor, acc.id, new_pw),
                   "密码已重置，该用户需用新密码重新登录。")
with tab3:
    target = "disabled" if acc.status == "active" else "active"
    if st.button("停用账户" if target == "disabled" else "启用账户", key=f"status_{acc.id}"):
        if run_action(f"status_{acc.id}", lambda rid: accounts.set_status(actor, acc.id, target) or True, "已更新。"):
            st.rerun()
with tab4:
    if acc.org_id is None:
        st.caption("该账户未关联单位。")
    elif has_perm(actor, P_ORG_EDIT):
        prefix = f"adm_org_{acc.org_id}"
        if st.session_state.get(f"{prefix}_loaded") is None:
            org = registration.org_for_admin(actor, acc.org_id)
            load_into_state(prefix, {k: getattr(org, k) for k in registration.ORG_FIELDS})
            st.session_state[f"{prefix}_loaded"] = org.version  # the version this form was loaded with
        data = org_fields(prefix)
        if st.button("保存单位信息", type="primary", key=f"{prefix}_save"):
            loaded = st.session_state[f"{prefix}_loaded"]
            if run_action(prefix, lambda rid: registration.admin_update_org(actor, acc.org_id, data, loaded, rid) or True,
                          "单位信息已更正，企业规模已按新数据重新计算。"):
                st.session_state.pop(f"{prefix}_loaded", None)
