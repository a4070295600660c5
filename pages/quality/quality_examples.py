"""评估示例 — 全部条款的评估示例，按条款顺序用 上一个 / 下一个 浏览，或跳转到某一条款（数据：specs/examples/）。"""
import streamlit as st

from components.feedback import error_boundary
from components.nav import guard
from components.quality_examples import viewer
from services.core.permissions import P_QUALITY_ASSESS, P_QUALITY_FILL
from services.quality.examples import examples, first_index

CODE, KEY = "quality_capability", "qex_page_pos"

guard((P_QUALITY_FILL, P_QUALITY_ASSESS))
st.title("评估示例")
st.caption("每个条款给出一个或多个示例：示例企业的符合情况、可上传的佐证材料和符合性情况描述，供填写时参考。")


def _jump() -> None:
    clause = st.session_state.get("qex_page_jump")
    if clause:
        st.session_state[KEY] = first_index(CODE, clause)


with error_boundary():
    titles = {e.clause: e.clause_title for e in examples(CODE)}
    st.selectbox("跳转到条款", list(titles), index=None, key="qex_page_jump", on_change=_jump,
                 format_func=lambda c: titles[c], placeholder="请选择条款")
    with st.container(border=True):
        viewer(CODE, KEY)
