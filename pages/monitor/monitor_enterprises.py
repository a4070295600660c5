"""监测企业管理 — 本人及下级审核员负责的企业：查询（地区、企业名称 / 信用代码 / 用户名、用户状态）、查看详细信息、
禁用 / 启用、删除（仅已禁用的企业；已上报过数据或填写过问卷的企业保留为禁用）、变更审核员."""
import streamlit as st

from components.admin_list import admin_list
from components.feedback import run_action
from components.nav import guard
from components.text import md, md_table
from services.orgs import registration
from services.core.errors import ServiceError
from services.monitor import enterprises
from services.core.permissions import P_MONITOR_REVIEW

actor = guard(P_MONITOR_REVIEW)
st.title("监测企业管理")
for message in st.session_state.pop("men_flash", []):  # set before a rerun, which would discard it in place
    st.success(md(message))

rows = admin_list("monitor_enterprises", actor, "men")
if not rows:
    st.info("没有符合条件的企业。")
    st.stop()

by_id = {r.org_id: r for r in rows}
chosen = st.multiselect("勾选企业", list(by_id), key="men_pick", format_func=lambda i: by_id[i].name,
                        placeholder="选择要操作的企业（可多选）")
if not chosen:
    st.caption("勾选企业后可禁用 / 启用、删除或变更审核员；只勾选一家时显示其详细信息。")
    st.stop()

if len(chosen) == 1:
    with st.expander(f"企业详细信息：{md(by_id[chosen[0]].name)}"):
        try:
            view = registration.org_for_admin(actor, chosen[0])
            st.markdown(md_table(["项目", "内容"], registration.detail_rows(view)))  # st.table would render Markdown
        except ServiceError as err:
            st.caption(md(err))

b1, b2, b3 = st.columns(3)
if b1.button("禁用", key="men_disable"):
    n = run_action("men_disable", lambda _: enterprises.set_enabled(actor, chosen, enabled=False))
    if n is not None:
        st.session_state["men_flash"] = [f"已禁用 {n} 家企业的账户，其登录已全部失效。"]
        st.rerun()
if b2.button("启用", key="men_enable"):
    n = run_action("men_enable", lambda _: enterprises.set_enabled(actor, chosen, enabled=True))
    if n is not None:
        st.session_state["men_flash"] = [f"已启用 {n} 家企业的账户。"]
        st.rerun()
if b3.button("删除", key="men_delete", help="只能删除已禁用的企业；上报过数据或填写过问卷的企业将保留为禁用状态"):
    done = []
    for org_id in chosen:
        result = run_action(f"men_delete_{org_id}", lambda _, i=org_id: enterprises.delete_enterprise(actor, i))
        name = by_id[org_id].name
        if result == "deleted":
            done.append(f"已删除企业「{name}」及其账户。")
        elif result == "kept_disabled":
            done.append(f"企业「{name}」上报过数据或填写过调查问卷，未删除，已保留为禁用状态。")
    if done:
        st.session_state["men_flash"] = done
        st.session_state.pop("men_pick", None)
        st.rerun()

st.subheader("变更审核员")
st.caption("所选企业所有报表月份的月报都将变更到新审核员下；只能选择管辖地区覆盖所选企业的审核员。")
found_choices = run_action("men_choices", lambda _: enterprises.reviewer_choices(actor, chosen))
choices = {c.account_id: c.label for c in found_choices or []}
if not choices:
    st.info("没有管辖地区覆盖全部所选企业的审核员。")
    st.stop()
target = st.selectbox("新审核员", list(choices), key="men_reviewer", format_func=choices.get, placeholder="请选择")
if st.button("确定变更", type="primary", key="men_change"):
    n = run_action("men_change", lambda _: enterprises.change_reviewer(actor, chosen, target))
    if n is not None:
        st.session_state["men_flash"] = [f"已将 {n} 家企业的审核员变更为 {choices[target]}。"]
        st.rerun()
