"""Beside each clause of 条款符合性评估: 我有疑问 (ask the platform's assessors, see the answers) and
沟通记录 (the evaluation agency's comments on this clause, unread ones flagged)."""
from __future__ import annotations

import streamlit as st

from components.feedback import run_action
from components.text import md
from services.core.permissions import Actor
from services.quality import comments, questions


def show_questions(items: list[questions.QuestionView]) -> None:
    """Questions with their answers (or 待答复)."""
    for q in items:
        with st.container(border=True):
            st.caption(f"{md(q.clause_title)} · 提问人 {md(q.asked_by)} · {md(q.asked_at)}")
            st.markdown(md(q.text, multiline=True))
            if q.answered:
                st.markdown(f"**答复**（{md(q.answered_by)} · {md(q.answered_at)}）：{md(q.answer, multiline=True)}")
            else:
                st.caption("待答复")


def show_comments(items: list[comments.CommentView]) -> None:
    """Comments, newest first, with author, agency and China time; unread ones flagged."""
    for c in items:
        with st.container(border=True):
            flag = "" if c.read else ":red-badge[未读] "
            st.markdown(f"{flag}**{md(c.author)}**（{md(c.agency)}） · {md(c.at)}")
            st.markdown(md(c.body, multiline=True))


def clause_dialogue(actor: Actor, attempt_id: int, clause: str) -> None:
    """The two entries of one clause: 我有疑问 (a form and this clause's questions) and 沟通记录."""
    left, right = st.columns(2)
    with left.popover("我有疑问"):
        key = f"qask_{attempt_id}_{clause}"
        with st.form(key, clear_on_submit=True):
            text = st.text_area("疑问内容（5–1000 个字符）", key=f"{key}_text", max_chars=1000)
            sent = st.form_submit_button("提交疑问")
        if sent:
            run_action(key, lambda rid: questions.ask(actor, attempt_id, clause, text, request_id=rid),
                       success="疑问已提交，评估师答复后将通过消息中心通知您。")
        show_questions(questions.mine(actor, clause))
    unread = comments.unread(actor, clause)
    with right.popover(f"沟通记录（{unread:d} 条未读）" if unread else "沟通记录"):
        items = comments.for_enterprise(actor, clause)
        if not items:
            st.caption("评估机构尚未对本条款留下沟通记录。")
        show_comments(items)
        if unread and st.button("标记为已读", key=f"qread_{attempt_id}_{clause}"):
            comments.mark_read(actor, clause)
            st.rerun()
