"""A file built only when asked, and offered only for what it was built from (a filter, a record)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.feedback import run_action
from components.text import md

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def prepared_download(key: str, source: Any, build: Callable[[], bytes], prepare: str, download: str,
                      file_name: str, mime: str) -> None:
    """Show a ``prepare`` button that calls ``build()`` for ``source`` (a filter or record id, compared
    between reruns), then a ``download`` button for that file while ``source`` is unchanged.

    A file built for another ``source`` is dropped, never offered. Session key: ``<key>_file``;
    errors are shown by ``run_action(<key>)``.
    """
    slot = f"{key}_file"
    held = st.session_state.get(slot)
    if held is not None and held[0] != source:  # built for an earlier filter or another record
        del st.session_state[slot]
        held = None
    if held is None:
        if st.button(md(prepare), key=f"{key}_prepare"):
            with st.spinner("正在生成文件……"):
                data = run_action(key, lambda _: build())
            if data is not None:
                held = st.session_state[slot] = (source, data)
    if held is not None:
        st.download_button(md(download), held[1], file_name=file_name, mime=mime, key=f"{key}_download")
