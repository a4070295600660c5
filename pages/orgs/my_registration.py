"""单位注册信息 — 第 2 步：填写单位信息（企业按手册「企业信息注册」），暂存（服务器端草稿，校验已填内容）
或提交审核；查看审核结果."""
import streamlit as st

from components.feedback import run_action
from components.history import render_history
from components.nav import guard
from components.org_form import load_into_state, org_fields, show_details
from components.text import md
from services.orgs import registration
from services.core.permissions import P_ORG_OWN

actor = guard(P_ORG_OWN)
st.title("单位注册信息")
org = registration.my_org(actor)
kind = registration.applicant_kind(actor)
STATUS_BOX = {"pending": st.info, "approved": st.success, "returned": st.warning}
if org is not None:
    STATUS_BOX.get(org.status, st.info)(f"审核状态：**{md(org.status_label)}**"
                                        + (f"　提交时间：{md(org.submitted_at)}" if org.submitted_at else ""))
    if org.status == "returned":
        st.warning(f"退回原因：{md(org.return_reason, multiline=True)}\n\n请修改后重新提交。")
    with st.expander("审核记录", expanded=org.status == "returned"):
        render_history(registration.review_history(actor, org.id), title="提交与审核的全部记录")
if org is not None and org.status in ("pending", "approved"):
    st.markdown("① 填写帐号信息 → ② 填写单位信息 → **③ " + ("等待审核" if org.status == "pending" else "注册完成") + "**")
    show_details(org)
    st.stop()

st.markdown("① 填写帐号信息 → **② 填写单位信息** → ③ 等待审核")
st.caption(f"用户ID：{md(actor.username)}")
if "reg_loaded" not in st.session_state:
    start = registration.load_draft(actor, "registration")
    if not start and org is not None:
        start = {"details": org.details or {}, **{k: getattr(org, k) for k in registration.ORG_FIELDS}}
    load_into_state("reg", start)
    st.session_state["reg_loaded"] = True
data = org_fields("reg", kind)

b1, b2, _ = st.columns([1, 1, 4])
if b1.button("暂存", width="stretch"):
    problems = run_action("reg_draft", lambda _: registration.save_draft(actor, "registration", data))
    if problems is not None:
        st.success("已暂存，关闭浏览器后重新登录可继续填写。")
    if problems:
        st.warning("以下已填写的内容不符合要求，提交审核前请修改：")
        for msg in (m for msgs in problems.values() for m in msgs):
            st.error(md(msg))
if b2.button("提交审核", type="primary", width="stretch"):
    org_id = run_action("submit_org", lambda rid: registration.submit_org(actor, data, request_id=rid))
    if org_id:
        st.session_state.pop("reg_loaded", None)
        st.rerun()
