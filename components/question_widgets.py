"""The question widgets of the form renderer: one widget per question type (choices, numbers, dates,
regions, industries, files, matrices, repeated groups), the answers they return, and a section's
widgets with visibility re-evaluated as answers change. Widget keys are ``widget_key(rid, name)``."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components.pickers import industry_picker, region_picker
from components.text import md
from services.core.errors import ValidationFailed
from services.forms.engine import NA, Evaluation, evaluate
from services.forms.schema import Definition, Group, Question, Section
from services.io.uploads import store_upload

NA_LABEL = "不适用"


def widget_key(rid: int, *parts: Any) -> str:
    """The session-state key of a response's widget (every key of response ``rid`` starts ``fr_<rid>_``)."""
    return "fr_" + "_".join(str(p) for p in (rid, *parts))


def question_label(q: Question) -> str:
    """The label as shown: unit in brackets, required marked with *."""
    req = " *" if q.required is True else ""
    unit = f"（{q.unit}）" if q.unit and f"（{q.unit}）" not in q.label else ""
    return f"{q.label}{unit}{req}"


def section_widgets(d: Definition, section: Section, working: dict[str, Any], ev: Evaluation,
                    rid: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Render the section's widgets; visibility follows answers given earlier on the same page at once.

    ``working`` is updated in place. Calculated fields get placeholders, filled once every value on
    the page is known. Returns (the section's values, placeholders by question name).
    """
    out: dict[str, Any] = {}
    placeholders: dict[str, Any] = {}
    dirty = False
    for g in section.groups:
        ev, dirty = group_widgets(d, g, working, ev, rid, out, placeholders, dirty)
    return out, placeholders


def group_widgets(d: Definition, g: Group, working: dict[str, Any], ev: Evaluation, rid: int,
                  out: dict[str, Any], placeholders: dict[str, Any], dirty: bool = False) -> tuple[Evaluation, bool]:
    """Render one group's widgets into ``out`` / ``placeholders`` (see ``section_widgets``).

    ``dirty`` says an answer changed since ``ev`` was made; it is re-evaluated before the next
    visible question. Returns (the latest evaluation, whether it is dirty again).
    """
    if dirty:
        ev, dirty = evaluate(d, working, ev_context(ev)), False
    if g.repeat:
        if g.name in ev.visible:
            v = _repeat(g, working.get(g.name), rid)
            dirty = v != working.get(g.name)
            working[g.name] = out[g.name] = v
        return ev, dirty
    if g.title and any(q.name in ev.visible for q in g.questions):
        st.markdown(f"##### {md(g.title)}")
    for q in g.questions:
        if dirty:
            ev, dirty = evaluate(d, working, ev_context(ev)), False
        if q.name not in ev.visible:
            if q.type != "note":
                out[q.name] = working.get(q.name)  # hidden keeps its value; it is not evaluated
            continue
        if q.type == "calculated":
            placeholders[q.name] = st.empty()
            continue
        v = question_widget(q, working.get(q.name), widget_key(rid, q.name), ev)
        if q.type != "note":
            dirty = dirty or v != working.get(q.name)
            working[q.name] = out[q.name] = v
    return ev, dirty


def ev_context(ev: Evaluation) -> Any:
    """Return the context an evaluation was made in."""
    return ev.context


def question_widget(q: Question, value: Any, key: str, ev: Evaluation | None = None) -> Any:
    """Render one question and return its answer (None when empty)."""
    help_text = md(q.help, multiline=True) or None  # a definition's text: shown as written, never as Markdown
    placeholder = f"例：{q.example}" if q.example else None
    t = q.type
    if t == "note":
        st.info(md(q.label, multiline=True) + ("\n\n" + md(q.help, multiline=True) if q.help else ""))
        return None
    if t == "calculated":
        shown = (ev.values.get(q.name) if ev else value)
        st.text_input(md(question_label(q)), value="" if shown is None else str(shown), disabled=True, key=key,
                      help=help_text)
        return None
    allowed = ev.choices.get(q.name) if ev is not None else None
    choices = [c for c in q.choices if allowed is None or c.value in allowed]
    if t in ("single", "rating"):
        options = [c.value for c in choices] if t == "single" else [str(i) for i in range(1, int(q.max or 5) + 1)]
        labels = {c.value: c.label for c in q.choices} if t == "single" else {o: "★" * int(o) for o in options}
        if q.not_applicable:
            options, labels = options + [NA], {**labels, NA: NA_LABEL}
        current = str(value) if value is not None and str(value) in options else None
        horizontal = (q.columns or 1) > 1 or t == "rating"
        picked = st.radio(md(question_label(q)), options, index=options.index(current) if current else None, key=key,
                          format_func=lambda o: md(labels.get(o, o)), horizontal=horizontal,
                          help=help_text)
        return picked
    if t == "multiple":
        st.markdown("**" + md(question_label(q)) + "**", help=help_text)
        chosen = set(value or []) if isinstance(value, list) else set()
        cols = st.columns(q.columns or 1)
        ticked: list[str] = []
        for i, c in enumerate(choices):
            if cols[i % len(cols)].checkbox(md(c.label), value=c.value in chosen, key=f"{key}__opt_{c.value}"):
                ticked.append(c.value)
        return ticked or None
    if t in ("text", "integer", "decimal", "percent", "month"):
        if t == "month" and not placeholder:
            placeholder = "YYYY-MM，如 2026-01"
        text = st.text_input(md(question_label(q)), value="" if value in (None, NA) else str(value), key=key,
                             help=help_text, placeholder=placeholder)
        return text.strip() or None
    if t == "textarea":
        text = st.text_area(md(question_label(q)), value=value or "", key=key, help=help_text,
                            placeholder=placeholder)
        return text.strip() or None
    if t == "date":
        initial = dt.date.fromisoformat(value) if isinstance(value, str) and value else None
        picked_date = st.date_input(md(question_label(q)), value=initial, key=key, help=help_text,
                                    format="YYYY-MM-DD")
        return picked_date.isoformat() if isinstance(picked_date, dt.date) else None
    if t == "region":
        return region_picker(key, value, question_label(q))
    if t == "industry":
        return industry_picker(key, value, question_label(q))
    if t == "file":
        return _file(q, value, key)
    if t in ("matrix_single", "matrix_multiple"):
        return _matrix_choice(q, value, key)
    if t == "matrix_fill":
        return _matrix_fill(q, value, key, ev)
    st.warning(f"暂不支持的题型：{md(t)}")
    return value


def _file(q: Question, value: Any, key: str) -> Any:
    if isinstance(value, dict):
        st.caption(f"已上传：{md(value.get('name'))}（{int(value.get('size', 0)) // 1024:d} KB）")
    up = st.file_uploader(md(question_label(q)), type=list(q.file_types), key=key,
                          help=md(q.help or f"允许 {'、'.join(q.file_types)}，不超过 {q.max_mb:g} MB；按文件内容校验类型",
                                  multiline=True))
    if up is None:
        return value
    try:
        return store_upload(up.getvalue(), up.name, q.file_types, q.max_mb, q.label)
    except ValidationFailed as err:
        for msgs in err.problems.values():
            for m in msgs:
                st.error(md(m))
        return value


def _matrix_choice(q: Question, value: Any, key: str) -> Any:
    st.markdown("**" + md(question_label(q)) + "**", help=md(q.help, multiline=True) or None)
    value = value if isinstance(value, dict) else {}
    out: dict[str, Any] = {}
    labels = {c.value: c.label for c in q.choices}
    for row in q.rows:
        if q.type == "matrix_single":
            opts = list(labels)
            cur = value.get(row.name)
            picked = st.radio(md(row.label), opts, index=opts.index(cur) if cur in opts else None, horizontal=True,
                              format_func=lambda o: md(labels.get(o, o)), key=f"{key}__row_{row.name}")
            if picked is not None:
                out[row.name] = picked
        else:
            chosen = st.multiselect(md(row.label), list(labels), default=[v for v in value.get(row.name) or [] if v in labels],
                                    format_func=lambda o: labels.get(o, o), key=f"{key}__row_{row.name}", placeholder="请选择")
            if chosen:
                out[row.name] = chosen
    return out or None


def _matrix_fill(q: Question, value: Any, key: str, ev: Evaluation | None) -> Any:
    st.markdown("**" + md(question_label(q)) + "**", help=md(q.help, multiline=True) or None)
    value = value if isinstance(value, dict) else {}
    computed = (ev.values.get(q.name) if ev else None) or {}
    rows = [r for r in q.rows if ev is None or q.name not in ev.rows or r.name in ev.rows[q.name]]
    data = {c.label + (f"（{c.unit}）" if c.unit else ""):
            [str((computed if c.calculation else value).get(r.name, {}).get(c.name) or "") for r in rows] for c in q.cells}
    frame = pd.DataFrame(data, index=[r.label + (f"（{r.unit}）" if r.unit else "") for r in rows])
    disabled = [c.label + (f"（{c.unit}）" if c.unit else "") for c in q.cells if c.calculation]
    edited = st.data_editor(frame, key=key, disabled=disabled, width="stretch", height=35 * len(rows) + 38)  # no inner scroll
    out: dict[str, Any] = {}
    for i, r in enumerate(rows):
        cells = {}
        for c in q.cells:
            if c.calculation:
                continue
            raw = str(edited.iloc[i][c.label + (f"（{c.unit}）" if c.unit else "")] or "").strip()
            if raw and raw.lower() != "nan":
                cells[c.name] = raw
        if cells:
            out[r.name] = cells
    return out or None


def _repeat(g: Group, value: Any, rid: int) -> Any:
    st.markdown(f"##### {md(g.title or g.name)}")
    rows = value if isinstance(value, list) else []
    cols = {q.name: q.label + (f"（{q.unit}）" if q.unit else "") for q in g.questions if q.type != "note"}
    frame = pd.DataFrame([{cols[n]: ("" if r.get(n) is None else str(r.get(n))) for n in cols} for r in rows],
                         columns=list(cols.values()))
    config = {}
    for q in g.questions:
        if q.type == "single":
            config[cols[q.name]] = st.column_config.SelectboxColumn(options=[c.value for c in q.choices])
        elif q.name in cols:
            config[cols[q.name]] = st.column_config.TextColumn()
    edited = st.data_editor(frame, num_rows="dynamic", key=widget_key(rid, "repeat", g.name), column_config=config,
                            width="stretch")
    st.caption(f"可添加行（{md(g.add_label)}），最多 {g.max_rows:d} 行")
    out = []
    for _, row in edited.iterrows():
        item = {n: (str(row[label]).strip() if row[label] is not None and str(row[label]).strip() not in ("", "nan", "None")
                    else None) for n, label in cols.items()}
        if any(v is not None for v in item.values()):
            out.append(item)
    return out or None
