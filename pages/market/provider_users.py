"""用户管理 — 服务商主账号管理本单位的用户：添加、编辑、删除、重置密码、应用内权限配置、设为专家 / 取消专家."""
import pandas as pd
import streamlit as st

from components.feedback import run_action, show_error
from components.nav import guard
from components.pickers import region_picker
from components.text import md
from services.core.errors import ServiceError
from services.core.permissions import P_MARKET_SELL
from services.market import providers

actor = guard(P_MARKET_SELL)
st.title("用户管理")
if (flash := st.session_state.pop("pu_flash", None)) is not None:
    st.success(md(flash))
try:
    users = providers.list_users(actor)
except ServiceError as exc:
    show_error(exc)
    st.stop()


def done(message: str) -> None:
    st.session_state["pu_flash"] = message
    st.rerun()


st.dataframe(pd.DataFrame([{"用户名": u.username, "姓名": u.display_name, "手机号": u.phone, "邮箱": u.email or "",
                            "角色": u.role_names, "菜单权限": "、".join(u.menus), "创建时间": u.created_at}
                           for u in users]), hide_index=True, width="stretch")

with st.expander("添加用户", expanded=len(users) == 1):
    with st.form("pu_add", clear_on_submit=False):
        c1, c2 = st.columns(2)
        username = c1.text_input("用户名 *", max_chars=30, help="6–30 位英文字母、数字或下划线，确认后不可修改", key="pu_username")
        name = c2.text_input("姓名", max_chars=64, help="不填则与用户名相同", key="pu_name")
        phone = c1.text_input("手机号 *", max_chars=11, help="以 1 开头的 11 位数字，本单位内唯一", key="pu_phone")
        email = c2.text_input("邮箱", max_chars=128, key="pu_email")
        pw = c1.text_input("密码 *", type="password", max_chars=18, key="pu_pw",
                           help="8–18 个字符，至少包含数字、大写字母、小写字母、特殊字符中的 3 种")
        pw2 = c2.text_input("确认密码 *", type="password", max_chars=18, key="pu_pw2")
        if st.form_submit_button("确认", type="primary"):
            if run_action("pu_add", lambda rid: providers.add_user(actor, username, phone, pw, pw2, email, name, rid)):
                done("新增成功。")

staff = {u.id: u for u in users if not u.is_main}
if not staff:
    st.info("本单位还没有其他用户。")
    st.stop()
chosen = st.selectbox("选择用户", list(staff), format_func=lambda i: f"{staff[i].username}（{staff[i].display_name}）",
                      key="pu_chosen", placeholder="请选择")
user = staff[chosen]
edit, reset, menus, expert, remove = st.tabs(["编辑", "重置密码", "应用内权限配置",
                                              "取消专家" if user.is_expert else "设为专家", "删除"])
with edit, st.form(f"pu_edit_{user.id}"):
    st.text_input("用户名", value=user.username, disabled=True)
    e_name = st.text_input("姓名", value=user.display_name, max_chars=64)
    e_phone = st.text_input("手机号", value=user.phone or "", max_chars=11)
    e_email = st.text_input("邮箱", value=user.email or "", max_chars=128)
    if st.form_submit_button("确认", type="primary"):
        if run_action(f"pu_edit_{user.id}",
                      lambda rid: providers.edit_user(actor, user.id, e_name, e_phone, e_email, rid,
                                                        seen=user) or True):
            done("编辑成功。")
with reset, st.form(f"pu_reset_{user.id}"):
    r1 = st.text_input("密码", type="password", max_chars=18)
    r2 = st.text_input("确认密码", type="password", max_chars=18)
    if st.form_submit_button("确认", type="primary"):
        if run_action(f"pu_reset_{user.id}", lambda rid: providers.reset_password(actor, user.id, r1, r2, rid) or True):
            done(f"「{user.username}」重置密码成功。")
with menus, st.form(f"pu_menus_{user.id}"):
    st.caption("应用：服务市场")
    picked = st.multiselect("菜单权限", list(providers.MENUS), default=list(user.menus), placeholder="请选择菜单")
    if st.form_submit_button("确认", type="primary"):
        if run_action(f"pu_menus_{user.id}", lambda rid: providers.set_menus(actor, user.id, picked, rid, seen=user) or True):
            done("配置权限成功。")
with expert:
    if user.is_expert:
        st.warning(f"确定取消「{md(user.display_name)}」的专家身份吗？取消后不再显示在「专家团队」中。")
        if st.button("确定取消专家", key=f"pu_unexpert_{user.id}"):
            if run_action(f"pu_unexpert_{user.id}", lambda rid: providers.unset_expert(actor, user.id, rid) or True):
                done("取消专家成功。")
    profile = providers.expert_profile(actor, user.id) or {}
    if not user.is_expert:
        st.caption("专家录入（保存后该用户获得「专家」角色，并显示在门户「专家团队」中）")
        region = region_picker(f"pu_region_{user.id}", profile.get("region_code"), label="所属区域 *")
        with st.form(f"pu_expert_{user.id}"):
            years = st.number_input("服务年限（年）*", min_value=0, max_value=providers.YEARS_MAX, step=1,
                                    value=int(profile.get("years") or 0))
            fields_text = st.text_input("专业领域 *（最多 5 项，用顿号或逗号分隔）", value="、".join(profile.get("fields") or []),
                                        max_chars=providers.FIELDS_MAX * (providers.FIELD_LEN + 1))
            intro = st.text_area("专家介绍 *", value=profile.get("intro") or "", max_chars=providers.INTRO_MAX)
            photo = st.file_uploader("照片（建议 2 寸照，JPEG、PNG 或 BMP，不超过 2 MB）", type=["jpg", "jpeg", "png", "bmp"])
            if st.form_submit_button("确认", type="primary"):
                fields = [f for f in fields_text.replace("，", "、").replace(",", "、").split("、") if f.strip()]
                if run_action(f"pu_expert_{user.id}", lambda rid: providers.set_expert(
                        actor, user.id, region_code=region or "", years=int(years), fields=fields, intro=intro,
                        photo=photo.getvalue() if photo else None, photo_name=photo.name if photo else "",
                        request_id=rid) or True):
                    done("设为专家成功。")
with remove:
    st.warning(f"确定删除用户「{md(user.username)}」吗？删除后该用户不能再登录，用户名不能再次使用。")
    if st.button("确定删除", key=f"pu_delete_{user.id}"):
        if run_action(f"pu_delete_{user.id}", lambda rid: providers.delete_user(actor, user.id, rid) or True):
            done(f"已删除用户「{user.username}」。")
