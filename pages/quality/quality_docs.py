"""质量自评估 · 文档：评估规范要点、培训教材、操作手册（docs/quality/*.md，随系统发布）。
Opened from the guidance of 开始评估 with ``?doc=standard|training|manual``; a selector switches documents."""
import streamlit as st

from components.feedback import error_boundary
from components.nav import guard
from services.core.permissions import P_QUALITY_FILL
from services.quality.guides import GUIDES, guide

guard(P_QUALITY_FILL)
st.title("评估文档")

with error_boundary():
    keys = list(GUIDES)
    wanted = st.query_params.get("doc")
    if "q_doc" not in st.session_state:
        st.session_state["q_doc"] = wanted if wanted in GUIDES else keys[0]
    key = st.radio("文档", keys, key="q_doc", horizontal=True, format_func=lambda k: GUIDES[k])
    st.query_params["doc"] = key
    title, text = guide(key)
    st.markdown(text)  # md: a document shipped with the code (docs/quality/), not user text
