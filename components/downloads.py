"""Downloads built only when asked: a costly file (a PDF report takes about 2 s) is never rebuilt on
every rerun, and a file built for one record is never offered for another."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def pdf_on_demand(key: str, build: Callable[[], bytes], file_name: str, label: str = "下载 PDF 报告",
                  mime: str = "application/pdf") -> None:
    """A 「生成 …」 button that builds the file once; then the download button for exactly that file.

    ``key`` names the record (e.g. ``f"pdf_{diagnosis_id}"``): another record has another key, so it
    gets its own button and never the previous record's bytes."""
    slot = f"_built_{key}"
    if slot not in st.session_state:
        if st.button(label.replace("下载", "生成"), key=f"{key}_build"):
            with st.spinner("正在生成……"):
                st.session_state[slot] = build()
        else:
            return
    st.download_button(label, st.session_state[slot], file_name=file_name, mime=mime, key=key, type="primary")
