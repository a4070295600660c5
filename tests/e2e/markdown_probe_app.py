"""A page for tests/e2e/test_markdown_escape.py: every Markdown construct a user might type, passed through
``components.text.md`` into each kind of element that renders Markdown (body, caption, alert, label,
radio option, expander, metric, table cell, tooltip)."""
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components.text import md, md_table  # noqa: E402
from tests.security.markdown_cases import CONSTRUCTS  # noqa: E402

for i, text in enumerate(CONSTRUCTS):
    st.markdown(f"**名称：{md(text)}**", help=md(text))
    st.markdown(md(text, multiline=True))
    st.caption(md(text))
    st.warning(md(text))
    st.radio(md(text), [md(text)], key=f"radio_{i}")
    st.expander(md(text))
    st.metric(md(text), md(text))
    st.markdown(md_table(["项目", "内容"], [("企业名称", text)]))
st.markdown("probe-end")
