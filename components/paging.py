"""A page of results for a filter: page 1 again whenever the filter changes, the count, a page number."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from components.feedback import run_action
from components.text import md

T = TypeVar("T")


def paged(key: str, query: Any, fetch: Callable[[int], tuple[int, list[T]]], per_page: int, unit: str) -> list[T]:
    """Return the current page's rows of ``fetch(page_index)`` → (total, rows) for ``query`` (a filter
    value compared between reruns), with the caption "共 N <unit>，第 p/P 页" and a page number input.
    Session keys: ``<key>_filter``, ``<key>_page``; errors are shown by ``run_action(<key>_list)``."""
    if st.session_state.get(f"{key}_filter") != query:  # a new filter starts on page 1
        st.session_state[f"{key}_filter"], st.session_state[f"{key}_page"] = query, 1
    page = int(st.session_state.get(f"{key}_page", 1))
    found = run_action(f"{key}_list", lambda _: fetch(page - 1))
    total, rows = found if found is not None else (0, [])
    pages = max(1, -(-total // per_page))
    st.caption(f"共 {total:d} {md(unit)}" + (f"，第 {page:d}/{pages:d} 页" if pages > 1 else ""))
    if pages > 1:
        st.number_input("页码", min_value=1, max_value=pages, step=1, key=f"{key}_page")
    return rows
