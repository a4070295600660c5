"""评估申请 — 发起评估申请（已完成并生成报告的自评估 → 选择第三方评估机构）、我的评估申请（状态、处理记录、
评估结果、待受理时撤回）和评估机构的沟通记录."""
from __future__ import annotations

import datetime as dt

import streamlit as st

import clock
from components.feedback import error_boundary, run_action
from components.history import render_history
from components.nav import guard
from components.quality_dialogue import show_comments
from components.text import md
from services.core.permissions import P_QUALITY_FILL
from services.quality import agencies, applications, comments

actor = guard(P_QUALITY_FILL)
st.title("评估申请")
if "qapp_flash" in st.session_state:
    st.success(md(st.session_state.pop("qapp_flash")))


def apply_form() -> None:
    done = applications.completed_attempts(actor)
    if not done:
        st.info("完成一次自评估并生成自评估报告后，才能向第三方评估机构发起评估申请。")
        st.page_link("pages/quality/quality_assess.py", label="去自评估", icon=":material/verified_user:")
        return
    choices = dict(agencies.choices())
    if not choices:
        st.info("平台暂无可选择的第三方评估机构，请稍后再试。")
        return
    attempts = {a.id: f"{a.completed_at} 完成 · 总体等级 {a.level_label}" for a in done}
    today = clock.today()
    with st.form("qapp_new"):
        attempt = st.selectbox("自评估记录 *", list(attempts), index=0, format_func=attempts.get,
                               placeholder="请选择自评估记录")
        agency = st.selectbox("第三方评估机构 *", list(choices), index=None, format_func=choices.get,
                              placeholder="请选择评估机构")
        contact = st.text_input("联系人 *", max_chars=32)
        phone = st.text_input("联系电话 *", placeholder="手机号，或 025-12345678 形式的办公电话")
        expected = st.date_input("期望评估日期 *", value=None, min_value=today,
                                 max_value=today + dt.timedelta(days=applications.MAX_AHEAD_DAYS), format="YYYY-MM-DD")
        remarks = st.text_area("备注（不超过 500 个字符）", max_chars=500)
        sent = st.form_submit_button("提交申请", type="primary")
    if sent and attempt is not None:
        made = run_action("qapp_new", lambda rid: applications.apply(actor, attempt, agency, contact, phone, expected,
                                                                     remarks, request_id=rid))
        if made is not None:
            st.session_state["qapp_flash"] = "评估申请已提交，请等待评估机构受理；处理结果会通过消息中心通知您。"
            st.rerun()


def _withdraw(app_id: int) -> None:
    done = run_action(f"qapp_wd_{app_id}",
                      lambda rid: applications.withdraw(actor, app_id, request_id=rid) or True)
    if done:
        st.session_state["qapp_flash"] = "评估申请已撤回。"
        st.rerun()


def my_applications() -> None:
    rows = applications.mine(actor)
    if not rows:
        st.info("您还没有发起过评估申请。")
        return
    for a in rows:
        with st.container(border=True):
            st.markdown(f"**{md(a.agency_name)}** · 申请编号 {a.id:d} · 状态：**{md(a.status_label)}**")
            st.caption(f"提交于 {md(a.created_at)} · 自评估完成于 {md(a.attempt_completed_at)}（总体等级 "
                       f"{md(a.attempt_level)}） · 联系人 {md(a.contact)} {md(a.phone)} · 期望评估日期 {md(a.expected_date)}")
            if a.remarks:
                st.caption(f"备注：{md(a.remarks)}")
            if a.holder:
                st.caption(f"受理评估师：{md(a.holder)}")
            if a.result_label:
                st.success(f"评估等级：{md(a.result_label)}（{md(a.evaluated_at)}）  \n评估结论："
                           f"{md(a.conclusion, multiline=True)}")
            with st.expander("处理记录"):
                render_history(applications.history(actor, a.id), title="处理记录")
            if a.status == "submitted" and st.button("撤回申请", key=f"qapp_wd_{a.id}"):
                _withdraw(a.id)


def comment_list() -> None:
    unread = comments.unread(actor)
    items = comments.for_enterprise(actor)
    if not items:
        st.info("评估机构尚未留下沟通记录。")
        return
    st.caption(f"共 {len(items):d} 条沟通记录，其中 {unread:d} 条未读。请据此修正相应条款的自评估情况。")
    if unread and st.button("全部标记为已读", key="qapp_read_all"):
        comments.mark_read(actor)
        st.rerun()
    for title in dict.fromkeys(c.clause_title for c in items):
        st.markdown(f"**{md(title)}**")
        show_comments([c for c in items if c.clause_title == title])


with error_boundary():
    tab_new, tab_mine, tab_comments = st.tabs(["发起评估申请", "我的评估申请", "沟通记录"])
    with tab_new:
        apply_form()
    with tab_mine:
        my_applications()
    with tab_comments:
        comment_list()
