"""The history of a reviewed item (services.workflow.engine.history): one table, oldest first."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.text import md
from services.workflow.engine import HistoryRow


def render_history(rows: list[HistoryRow], title: str = "审核记录", holder: bool = False) -> None:
    """Show who did what and when, the state change and the reason (``holder``: the 待处理人 column too)."""
    st.markdown(f"**{md(title)}**")
    if not rows:
        st.caption("暂无记录。")
        return
    table = [r.as_row() for r in rows]
    if not holder:
        for r in table:
            r.pop("待处理人")
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
