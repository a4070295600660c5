"""评估示例 (manual §9): a 【评估示例】 button per clause opening a dialog, and the same viewer on a page.

The examples are data (specs/examples/<definition code>.yaml, services/quality/examples.py); the viewer
browses them as one sequence in the definition's clause order with 上一个 / 下一个, starting at the
clause's first example. Session state holds only the position and which clause's dialog is open."""
from __future__ import annotations

import streamlit as st

from components.text import md
from services.forms.schema import Definition
from services.quality.examples import examples, first_index

POS, OPEN = "qex_pos", "qex_open"   # the dialog's position; the clause whose dialog is open


def _step(key: str, delta: int, size: int) -> None:
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)) + delta, 0), size - 1)


def viewer(code: str, key: str = POS) -> None:
    """Show the example at ``st.session_state[key]`` with 上一个 / 下一个 (the whole sequence of ``code``)."""
    items = examples(code)
    pos = min(max(int(st.session_state.get(key, 0)), 0), len(items) - 1)
    st.session_state[key] = pos
    ex = items[pos]
    st.markdown(f"**{md(ex.clause_title)}**")
    st.caption(f"{md(ex.indicator)} · 本条款示例 {ex.number:d}/{ex.of:d} · 全部示例第 {pos + 1:d}/{len(items):d} 个")
    st.markdown(f"**符合情况：** {md(ex.conformity)}")
    if ex.evidence:
        st.markdown("**佐证材料：** " + "；".join(md(f) for f in ex.evidence))
    else:
        st.markdown("**佐证材料：** 无（选“不符合”时无需上传）")
    st.markdown("**符合性情况描述：**")
    st.info(md(ex.description))
    st.caption("示例为虚构企业的情形，仅供参考；请按本企业实际情况如实填写。")
    a, b = st.columns(2)
    a.button("上一个", key=f"{key}_prev", disabled=pos == 0, on_click=_step, args=(key, -1, len(items)),
             width="stretch")
    b.button("下一个", key=f"{key}_next", disabled=pos == len(items) - 1, on_click=_step, args=(key, 1, len(items)),
             width="stretch")


def _close() -> None:
    st.session_state.pop(OPEN, None)


@st.dialog("评估示例", width="large", on_dismiss=_close)
def _dialog(code: str) -> None:
    viewer(code)


def example_button(d: Definition, clause: str) -> None:
    """The 【评估示例】 button of one clause (outside its form): opens the dialog at the clause's first example.
    The dialog stays open (also across a full rerun) until the user dismisses it."""
    if st.button("评估示例", key=f"qex_{clause}", icon=":material/menu_book:"):
        st.session_state[POS] = first_index(d.code, clause)
        st.session_state[OPEN] = clause
    if st.session_state.get(OPEN) == clause:
        _dialog(d.code)
