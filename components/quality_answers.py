"""自评估情况 (read-only answers of one quality self-assessment) — a minimal version; the full component
(branch qinfo) keeps this signature: ``render_answers(snap, per_clause=callback)``."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.text import md
from services.assessment import quality


def render_answers(snap: "quality.Snapshot", per_clause: Callable[[str], None] | None = None) -> None:
    """Show every clause's conformity, description and evidence names, indicator by indicator;
    ``per_clause(clause)`` renders extra content under each clause (e.g. the assessor's comments)."""
    d = snap.definition
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    levels = {x.key: x.label for x in g.levels}
    for n, node in enumerate(quality.indicators(d)):
        with st.expander(f"{md(node.section_title)} · {md(node.name)}", expanded=n == 0):
            for grp in node.clauses:
                labels = {c.value: c.label for c in d.question(f"{grp.name}_{g.conformity}").choices}
                conf = snap.answers.get(f"{grp.name}_{g.conformity}")
                st.markdown(f"**{md(grp.title)}**（{md(levels.get(str(grp.tags.get(g.level_tag)), ''))}）")
                st.markdown(f"符合情况：{md(labels.get(str(conf), '未填写'))}")
                st.markdown(f"符合性情况描述：{md(snap.answers.get(f'{grp.name}_{g.description}') or '未填写')}")
                files = snap.answers.get(f"{grp.name}_{g.evidence}") or []
                st.caption("佐证材料：" + ("、".join(md(f.get("name")) for f in files) if files else "无"))
                if per_clause is not None:
                    per_clause(grp.name)
                st.divider()
