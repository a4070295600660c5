"""自评估情况 — one quality self-assessment's answers, read-only: an indicator selector (one second-level
indicator at a time, or 质量绩效参数), then each clause of the chosen indicator from low to high tier with its
mark, description and evidence files (download; preview of images and PDFs on demand), and the
performance parameters with their computed results.

``render_answers(snap, per_clause)`` is shared: the enterprise's 自评估历史 and the assessor's view call it
with a snapshot they obtained through a scoped service; ``per_clause(clause_group_name)`` is called under
each clause (the assessor page puts its comment box there)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.text import md
from services.assessment import evidence, quality
from services.quality.history import evidence_file, grading

PERF = "质量绩效参数"
MIMES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _reader(snap: quality.Snapshot, clause: str, sha: str) -> Callable[[], bytes]:
    """The file's bytes, read only when the download is pressed."""
    return lambda: evidence_file(snap, clause, sha)[1]


def _files(snap: quality.Snapshot, clause: str, files: list[dict[str, Any]], key: str) -> None:
    if not files:
        st.caption("佐证材料：无")
        return
    st.caption("佐证材料：")
    for n, f in enumerate(files):
        sha = str(f.get("sha256") or "")
        c1, c2 = st.columns([3, 1])
        c1.download_button(md(f.get("name")), _reader(snap, clause, sha),
                           file_name=str(f.get("name") or "file"), mime=MIMES.get(str(f.get("type")), None),
                           key=f"{key}_dl_{n}", on_click="ignore", icon=":material/download:")
        kind = evidence.previewable(f)
        if kind and c2.toggle("预览", key=f"{key}_pv_{n}"):
            try:
                _name, data, _type = evidence_file(snap, clause, sha)
                if kind == "image":
                    st.image(data)
                else:
                    st.pdf(data, height=480)
            except Exception:  # noqa: BLE001 - a missing or unreadable file: say so, offer the download
                st.warning(f"无法预览「{md(f.get('name'))}」，请下载后查看。")


def _clause(snap: quality.Snapshot, node: quality.IndicatorNode, per_clause: Callable[[str], None] | None,
            key: str) -> None:
    d, g = snap.definition, grading(snap.definition)
    levels = {x.key: x.label for x in g.levels}
    for grp in node.clauses:
        labels = {c.value: c.label for c in d.question(f"{grp.name}_{g.conformity}").choices}
        mark = snap.answers.get(f"{grp.name}_{g.conformity}")
        with st.container(border=True):
            st.markdown(f"**{md(grp.title)}**（{md(levels.get(str(grp.tags.get(g.level_tag)), ''))}）")
            st.markdown(f"符合情况：**{md(labels.get(str(mark), '未填写') if mark is not None else '未填写')}**")
            desc = snap.answers.get(f"{grp.name}_{g.description}")
            st.markdown(f"符合性情况描述：{md(desc, multiline=True) if desc else '（未填写）'}")
            _files(snap, grp.name, list(snap.answers.get(f"{grp.name}_{g.evidence}") or []), f"{key}_{grp.name}")
            if per_clause is not None:
                per_clause(grp.name)


def _perf(snap: quality.Snapshot) -> None:
    d, g = snap.definition, grading(snap.definition)
    section = next((s for s in d.sections if s.name == g.performance_section), None)
    if section is None:
        st.caption("该评估没有质量绩效参数。")
        return
    results = {r.name: r for r in quality.perf_results(snap)}
    for grp in section.groups:
        with st.container(border=True):
            st.markdown(f"**{md(grp.title)}**")
            for q in grp.questions:
                if q.type == "note":
                    continue
                if q.type == "calculated":
                    r = results.get(q.name)
                    if r is not None:
                        st.caption(md(r.formula))
                        shown = f"{r.value:g} {r.unit}".strip() if r.value is not None else r.message
                        st.markdown(f"**{md(r.label)}：{md(shown)}**")
                    continue
                value = snap.answers.get(q.name)
                unit = f" {q.unit}" if q.unit and value not in (None, "") else ""
                st.markdown(f"{md(q.label)}：{md(value if value not in (None, '') else '（未填写）')}{md(unit)}")


def render_answers(snap: "quality.Snapshot", per_clause: Callable[[str], None] | None = None) -> None:
    """Render the indicator tree read-only (one indicator at a time) and call ``per_clause(clause)`` under
    each clause."""
    nodes = quality.indicators(snap.definition)
    key = f"qa_{snap.attempt.id}"
    done = {i.name: i for i in quality.progress(snap).indicators}
    options = [*range(len(nodes)), -1]

    def label(i: int) -> str:
        if i < 0:
            return PERF
        n = nodes[i]
        p = done.get(n.name)
        return f"{n.section_title} › {n.name}（{p.done}/{p.total}）" if p else n.name

    picked = st.selectbox("评估指标", options, index=0, format_func=label, key=f"{key}_ind",
                          placeholder="请选择二级指标或质量绩效参数")
    if picked is None:
        return
    if picked < 0:
        _perf(snap)
        return
    node = nodes[picked]
    st.markdown(f"#### {md(node.name)}")
    _clause(snap, node, per_clause, key)
