"""下级管理员维护 — 本人以下的审核管理员：列表、创建下级管理员、授予 / 收回「一键接收」「越级接收」（越级接收仅限省级）."""
import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.nav import guard
from components.text import md
from services.core.errors import ServiceError
from services.monitor import enterprises, reviewers
from services.core.permissions import P_MONITOR_REVIEW

actor = guard(P_MONITOR_REVIEW)
st.title("下级管理员维护")
if "mad_flash" in st.session_state:  # set before a rerun, which would discard a message shown in place
    st.success(md(st.session_state.pop("mad_flash")))
try:
    me = reviewers.me(actor)
    subs = reviewers.subordinates(actor)
except ServiceError as err:
    st.error(md(err))
    st.stop()

names = {me.account_id: me.name, **{s.account_id: s.name for s in subs}}
st.caption(f"您是{md(me.region_name)}{reviewers.LEVEL_NAME.get(me.level, '')}级审核管理员；下级管理员共 {len(subs)} 人。")
tab_list, tab_new = st.tabs(["下级管理员与授权", "创建下级管理员"])

with tab_list:
    if not subs:
        st.info("您还没有下级管理员。")
    else:
        st.dataframe(pd.DataFrame([{
            "用户名": s.username, "名称": s.name, "级别": reviewers.LEVEL_NAME.get(s.level, s.level),
            "管辖地区": s.region_name, "上级管理员": names.get(s.parent_id or 0, ""),
            "一键接收": "已授权" if s.bulk_accept else "", "越级接收": "已授权" if s.skip_level else ""} for s in subs]),
            hide_index=True, width="stretch")
        by_id = {s.account_id: s for s in subs}
        chosen = st.selectbox("选择管理员", list(by_id), key="mad_pick",
                              format_func=lambda i: f"{by_id[i].name}（{by_id[i].username}，{by_id[i].region_name}）", placeholder="请选择")
        sub = by_id[chosen]
        with st.form(f"mad_grant_{sub.account_id}"):
            bulk = st.checkbox("一键接收", value=sub.bulk_accept,
                               help="批量接收直接授权审核员为其下级管理员、且等待其审核的月报，报送上一级")
            skip = st.checkbox("越级接收", value=sub.skip_level, disabled=sub.level != "province",
                               help="仅限省级管理员：系统筛查通过的待审核月报直接报送国家")
            if st.form_submit_button("保存授权", type="primary"):
                if run_action(f"mad_grant_{sub.account_id}", lambda _: reviewers.grant(
                        actor, sub.account_id, bulk, skip) or True):  # the service refuses what it cannot grant
                    st.session_state["mad_flash"] = f"已更新 {sub.name} 的授权。"
                    st.rerun()

with tab_new:
    regions = dict(enterprises.subordinate_regions(actor))
    if not regions:
        st.info("您的辖区没有下一级地区，不能创建下级管理员。")
    else:
        st.caption("下级管理员的上级为您本人；账户创建后即可登录并审核其辖区企业的月报。")
        with st.form("mad_new", clear_on_submit=True):
            region_code = st.selectbox("管辖地区", list(regions), format_func=regions.get, placeholder="请选择")
            username = st.text_input("用户名")
            display_name = st.text_input("名称", placeholder="默认为「地区名称管理员」")
            phone = st.text_input("手机号", max_chars=11)
            password = st.text_input("初始密码", type="password", help="8–18 个字符，至少包含 3 种字符")
            if st.form_submit_button("创建", type="primary"):
                new_id = run_action("mad_new", lambda _: reviewers.create_subordinate(
                    actor, username.strip(), password, region_code, display_name.strip(), phone.strip() or None))
                if new_id is not None:
                    st.session_state["mad_flash"] = f"已创建 {regions[region_code]} 的管理员 {username.strip()}。"
                    st.rerun()
