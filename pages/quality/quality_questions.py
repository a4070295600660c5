"""我有疑问 — 评估师：答复企业对条款提出的疑问（答复一经发送不能修改）；企业：查看本企业的疑问和答复
（在「开始评估」的每条条款旁提问）."""
from __future__ import annotations

import streamlit as st

from components.feedback import error_boundary, run_action
from components.nav import guard
from components.quality_dialogue import show_questions
from components.text import md
from services.core.permissions import P_QUALITY_ASSESS, P_QUALITY_FILL, has_perm
from services.quality import questions

actor = guard((P_QUALITY_FILL, P_QUALITY_ASSESS))
st.title("我有疑问")
if "qq_flash" in st.session_state:
    st.success(md(st.session_state.pop("qq_flash")))


def answer_form(q: questions.QuestionView) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(q.org_name)}** · {md(q.clause_title)}")
        st.caption(f"提问人 {md(q.asked_by)} · {md(q.asked_at)}")
        st.markdown(md(q.text, multiline=True))
        key = f"qq_ans_{q.id}"
        with st.form(key):
            text = st.text_area("答复内容（2–2000 个字符，发送后不能修改）", key=f"{key}_text", max_chars=2000)
            sent = st.form_submit_button("发送答复")
        if sent:
            done = run_action(key, lambda rid: questions.answer(actor, q.id, text, request_id=rid) or True)
            if done:
                st.session_state["qq_flash"] = "答复已发送，企业将收到消息通知。"
                st.rerun()


with error_boundary():
    if has_perm(actor, P_QUALITY_ASSESS):
        pending, answered = st.tabs(["待答复", "已答复"])
        with pending:
            items = questions.for_assessors(actor)
            if not items:
                st.info("暂无待答复的疑问。")
            for q in items:
                answer_form(q)
        with answered:
            done = questions.for_assessors(actor, answered=True)
            if not done:
                st.info("暂无已答复的疑问。")
            show_questions(done)
    else:
        st.caption("在「开始评估」的条款符合性评估中，点击条款旁的「我有疑问」即可提问；评估师答复后会通过消息中心通知您。")
        mine = questions.mine(actor)
        if not mine:
            st.info("您还没有提出过疑问。")
        show_questions(mine)
