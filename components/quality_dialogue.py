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


def text_form(key: str, label: str, button: str, max_chars: int) -> str | None:
    """A one-text form (cleared after sending); return the text when sent, else None."""
    with st.form(key, clear_on_submit=True):
        text = st.text_area(label, key=f"{key}_text", max_chars=max_chars)  # md: label is a constant of the caller
        sent = st.form_submit_button(button)  # md: button is a constant of the caller
    return text if sent else None


def clause_dialogue(actor: Actor, attempt_id: int, clause: str, counts: tuple[int, int, int] | None = None) -> None:
    """The entry beside one clause: a toggle 我有疑问 / 沟通记录 (with counts, unread comments flagged) that
    opens a form to ask about the clause, the clause's questions and answers, and the agency's comments.
    Closed, it costs one small query (none when the caller passes ``counts`` read for several clauses at
    once: comments.clause_counts_many); the lists are read only when it is open."""
    asked, commented, unread = counts if counts is not None else comments.clause_counts(actor, clause)
    label = f"我有疑问（{asked:d}） · 沟通记录（{commented:d}）" + (f" · {unread:d} 条未读" if unread else "")
    key = f"qask_{attempt_id}_{clause}"
    if f"{key}_flash" in st.session_state:
        st.success(md(st.session_state.pop(f"{key}_flash")))
    if not st.toggle(label, key=f"qdlg_{attempt_id}_{clause}"):  # md: constant text and counts
        return
    thread = comments.clause_thread(actor, clause)
    left, right = st.columns(2)
    with left:
        st.markdown("**我有疑问**")
        text = text_form(key, "疑问内容（5–1000 个字符）", "提交疑问", 1000)
        made = None if text is None else run_action(
            key, lambda rid: questions.ask(actor, attempt_id, clause, text or "", request_id=rid))
        if made is not None:
            st.session_state[f"{key}_flash"] = "疑问已提交，评估师答复后将通过消息中心通知您。"
            st.rerun()
        show_questions(thread.questions)
    with right:
        st.markdown("**沟通记录**")
        if not thread.comments:
            st.caption("评估机构尚未对本条款留下沟通记录。")
        show_comments(thread.comments)
        if thread.unread and st.button("标记为已读", key=f"qread_{attempt_id}_{clause}"):
            comments.mark_read(actor, clause)
            st.rerun()
