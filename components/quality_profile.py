"""企业信息 of the quality self-assessment as a form (the definition specs/profiles/quality_enterprise.yaml):
used by 【编辑企业信息】 on the self-assessment home and by step 1 of every assessment. The registration's own
fields are shown read-only; 企业规模 is shown as computed, never typed; required fields carry "*"."""
from __future__ import annotations

from typing import Any

import streamlit as st

from components.question_widgets import question_label, question_widget
from components.text import md
from services.forms.schema import Question
from services.quality import profile

FULL_WIDTH = ("multiple", "textarea")
DROPDOWN_FROM = 5      # a single choice with more options than this is a dropdown (产业集群, 园区)


def _widget(q: Question, value: Any, key: str, locked: bool) -> Any:
    if locked:
        st.text_input(md(question_label(q)), value=profile.answer_text(q, value), disabled=True, key=key,
                      help="来自单位注册信息；如需修改请到「单位注册信息」。")
        return value
    if q.type == "single" and len(q.choices) > DROPDOWN_FROM:
        options = [c.value for c in q.choices]
        labels = {c.value: c.label for c in q.choices}
        return st.selectbox(md(question_label(q)), options, index=options.index(value) if value in options else None,
                            format_func=lambda o: labels.get(o, o), key=key, placeholder="请选择")
    if q.type in ("region", "industry"):
        st.text_input(md(question_label(q)), value="", disabled=True, key=key,
                      help="请先在「单位注册信息」中填写。")
        return None
    return question_widget(q, value, key)


def _rows(questions: list[Question]) -> list[list[Question]]:
    """Two fields a row; a long one (textarea, multiple choice) on its own row."""
    rows: list[list[Question]] = []
    buf: list[Question] = []
    for q in questions:
        if q.type in FULL_WIDTH:
            rows += [buf] if buf else []
            rows.append([q])
            buf = []
            continue
        buf.append(q)
        if len(buf) == 2:
            rows.append(buf)
            buf = []
    return rows + ([buf] if buf else [])


def profile_form(view: profile.Profile, key: str, submit_label: str) -> dict[str, Any] | None:
    """Render the form filled with ``view``; return the answers when ``submit_label`` is pressed, else None."""
    d = profile.definition()
    answers: dict[str, Any] = {}
    with st.form(key):
        st.caption("带 * 的为必填项。所在产业集群、所在园区在选项中没有时，请选择“其他”并在右侧填写。"
                   "企业规模由系统根据所属行业、员工人数和主营业务收入自动计算。")
        for s in d.sections:
            st.markdown(f"##### {md(s.title)}")
            for row in _rows(list(s.questions)):
                cols = st.columns(2) if len(row) > 1 or row[0].type not in FULL_WIDTH else [st.container()]
                for col, q in zip(cols, row):
                    with col:
                        answers[q.name] = _widget(q, view.answers.get(q.name), f"{key}_{q.name}", q.name in view.locked)
            if s.name == "business":
                st.text_input("企业规模（系统计算）", value=view.size or "—", disabled=True, key=f"{key}_size",
                              help=md(view.size_note) or "按所属行业、员工人数和上一年主营业务收入划型，保存后更新。")
        pressed = st.form_submit_button(md(submit_label), type="primary")
    return answers if pressed else None


def profile_summary(view: profile.Profile) -> None:
    """The saved profile, read-only (label: value lines)."""
    for label, text in profile.rows(view.answers, view.size):
        st.markdown(f"- {md(label)}：{md(text)}")
