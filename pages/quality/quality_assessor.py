"""评估申请受理 — 评估机构的评估师：本机构收到的评估申请（只含发给本机构的）、受理或拒绝（填写原因）、
只读查看企业的自评估情况并逐条款填写沟通记录、记录评估结果（等级 + 评估结论）."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.feedback import error_boundary, run_action
from components.history import render_history
from components.nav import guard
from components.quality_answers import render_answers
from components.quality_dialogue import show_comments, text_form
from components.text import md
from services.core.permissions import P_QUALITY_ASSESS
from services.quality import agencies, applications, comments
from services.workflow import definitions

actor = guard(P_QUALITY_ASSESS)
st.title("评估申请受理")
if "qa_flash" in st.session_state:
    st.success(md(st.session_state.pop("qa_flash")))


def _done(key: str, message: str, action) -> None:  # type: ignore[no-untyped-def]
    if run_action(key, lambda rid: action(rid) or True):
        st.session_state["qa_flash"] = message
        st.rerun()


def actions(view: applications.ApplicationView) -> None:
    if view.status == "submitted":
        if st.button("受理", key=f"qa_acc_{view.id}", type="primary"):
            _done(f"qa_acc_{view.id}", "已受理，可查看企业的自评估情况并填写沟通记录。",
                  lambda rid: applications.accept(actor, view.id, request_id=rid))
        with st.form(f"qa_dec_{view.id}"):
            reason = st.text_area("拒绝原因（2–500 个字符，企业将看到此原因）", max_chars=500)
            if st.form_submit_button("拒绝"):
                _done(f"qa_dec_{view.id}", "已拒绝该评估申请。",
                      lambda rid: applications.decline(actor, view.id, reason, request_id=rid))
    elif view.status == "accepted":
        tiers = dict(applications.tier_choices(actor, view.id))
        with st.form(f"qa_eval_{view.id}"):
            st.markdown("**记录评估结果**")
            tier = st.selectbox("评估等级 *", list(tiers), index=None, format_func=tiers.get, placeholder="请选择评估等级")
            conclusion = st.text_area("评估结论 *（2–2000 个字符）", max_chars=2000)
            if st.form_submit_button("提交评估结果", type="primary"):
                _done(f"qa_eval_{view.id}", "评估结果已记录，企业将收到消息通知。",
                      lambda rid: applications.evaluate(actor, view.id, tier, conclusion, request_id=rid))
    elif view.status == "evaluated":
        st.success(f"评估等级：{md(view.result_label)}（{md(view.evaluated_at)}）  \n评估结论："
                   f"{md(view.conclusion, multiline=True)}")
    elif view.status == "declined":
        st.info("该评估申请已拒绝。")
    else:
        st.info("企业已撤回该评估申请。")


def review(app_id: int) -> None:
    view = applications.get(actor, app_id)
    st.markdown(f"#### {md(view.org_name)} · 申请编号 {view.id:d} · {md(view.status_label)}")
    st.caption(f"联系人 {md(view.contact)} {md(view.phone)} · 期望评估日期 {md(view.expected_date)} · 自评估完成于 "
               f"{md(view.attempt_completed_at)}（自评总体等级 {md(view.attempt_level)}）")
    if view.remarks:
        st.caption(f"备注：{md(view.remarks)}")
    actions(view)
    with st.expander("处理记录"):
        render_history(applications.history(actor, app_id), title="处理记录", holder=True)
    if view.status not in ("submitted", "accepted", "evaluated"):
        return
    st.markdown("#### 自评估情况（只读）")
    snap = applications.assessor_snapshot(actor, app_id)
    by_clause: dict[str, list[comments.CommentView]] = {}
    for c in comments.for_application(actor, app_id):
        by_clause.setdefault(c.clause, []).append(c)

    def per_clause(clause: str) -> None:
        show_comments(by_clause.get(clause, []))
        if view.status != "accepted":
            return
        key = f"qa_cm_{app_id}_{clause}"
        if not st.toggle("填写沟通记录", key=f"{key}_open"):     # the form only for the clause being commented
            return
        body = text_form(key, "沟通记录（2–2000 个字符，发送后不能修改）", "发送", 2000)
        if body is not None:
            _done(key, "沟通记录已发送，企业将收到消息通知。",
                  lambda rid: comments.add(actor, app_id, clause, body, request_id=rid))

    render_answers(snap, per_clause=per_clause)


with error_boundary():
    name = agencies.agency_name(actor)
    if name is None:
        st.warning("您的账户不属于任何评估机构，不能处理评估申请。请联系平台管理员。")
        st.stop()
    st.caption(f"评估机构：{md(name)}")
    states = dict(definitions.get("quality_application").states)
    states.pop("draft", None)
    status = st.selectbox("状态", list(states), index=None, format_func=states.get, placeholder="全部状态",
                          key="qa_status")
    rows = applications.queue(actor, status)
    if not rows:
        st.info("暂无评估申请。")
        st.stop()
    st.dataframe(pd.DataFrame([{"编号": r.id, "企业": r.org_name, "状态": r.status_label, "提交时间": r.created_at,
                                "期望评估日期": r.expected_date, "受理评估师": r.holder, "评估等级": r.result_label}
                               for r in rows]), hide_index=True, width="stretch")
    # No status in the picker's labels: the browser holds the chosen label, and a label that changed with 受理
    # would match no option on the next click, closing the application (the status is in the table above).
    labels = {r.id: f"{r.id} 号 · {r.org_name}" for r in rows}
    chosen = st.selectbox("查看评估申请", list(labels), index=None, format_func=labels.get,
                          placeholder="请选择评估申请", key="qa_open")
    if chosen is not None:
        review(chosen)
