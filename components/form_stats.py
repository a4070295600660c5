"""Per-question statistics of a questionnaire version (问卷结果 / 问卷调查管理 · 分析): pick a question, see a bar
chart and a table of its options, or count / mean / min / max of a number; computed in SQL within the viewer's
jurisdiction (services.forms.analysis)."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_echarts import st_echarts

from charts.forms import option_bar
from services.core.numfmt import fmt, percent
from services.core.permissions import Actor
from services.forms import analysis, definitions

SKIPPED = ("note", "file", "matrix_fill", "text", "textarea")   # free text and tables have no per-option counts


def question_stats_view(actor: Actor, version_id: int, key: str) -> None:
    """Render the question picker and the chosen question's statistics."""
    d = definitions.definition_for_version(version_id)
    qs = [q for q in d.questions() if q.type not in SKIPPED]
    name = st.selectbox("题目", [q.name for q in qs], index=None, placeholder="请选择题目",
                        format_func=lambda n: d.question(n).label, key=f"{key}_question_{version_id}")
    if name is None:
        return
    stats = analysis.question_stats(actor, version_id, name)
    if stats.options:
        st_echarts(option_bar([o[1] for o in stats.options], [o[2] for o in stats.options], stats.label),
                   height="360px", key=f"{key}_bar_{version_id}_{name}")
        st.dataframe(pd.DataFrame([{"选项": o[1], "家数": o[2], "占比": percent(o[3])} for o in stats.options]),
                     hide_index=True)
    else:
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("填答数", f"{stats.count:d}")
        c2.metric("平均", fmt(stats.mean, grouping=True))
        c3.metric("最小", fmt(stats.min, grouping=True))
        c4.metric("最大", fmt(stats.max, grouping=True))
