"""The reusable form renderer: section navigator with progress, previous / save / next / submit,
resume where the user stopped, conflict messages, read-only and printable views.

It holds only UI state in ``st.session_state`` (widget values, the section versions the form was
loaded with); answers are saved server-side through ``services.forms.responses``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.form_print import coded_answer, printable_html
from components.pickers import industry_picker, region_picker
from services.errors import ServiceError, ValidationFailed
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.engine import NA, Evaluation, evaluate, is_empty
from services.forms.schema import Definition, Group, Question, Section
from services.permissions import Actor
from services.uploads import store_upload

NA_LABEL = "不适用"


def _k(rid: int, *parts: Any) -> str:
    return "fr_" + "_".join(str(p) for p in (rid, *parts))


def _reset(rid: int) -> None:
    for key in [k for k in st.session_state if str(k).startswith(f"fr_{rid}_")]:
        del st.session_state[key]


def render_response(actor: Actor, response_id: int, printable: bool = True, on_finish: Callable[[], None] | None = None) -> None:
    """Render one response: editable when it is the actor's organisation's draft, read-only otherwise.
    With ``on_finish`` the last section's 「下一步」 saves it and calls ``on_finish`` instead of 「提交」."""
    view = responses.get_response(actor, response_id)
    d = definition_for_version(view.version_id)
    rid = view.id
    if not view.editable:
        render_readonly(d, view.answers, view)
        return
    if (conflict := st.session_state.get(_k(rid, "conflict"))) is not None:
        st.error(conflict)
        if st.button("刷新（载入最新内容，放弃本部分未保存的修改）", key=_k(rid, "reload"), type="primary"):
            _reset(rid)
            st.rerun()
    loaded = st.session_state.get(_k(rid, "loaded"))
    if loaded is None:  # first render: remember what this form was loaded with
        loaded = {"versions": {k: s.version for k, s in view.sections.items()}, "answers": dict(view.answers)}
        st.session_state[_k(rid, "loaded")] = loaded
        st.session_state[_k(rid, "section")] = view.current_section or d.sections[0].name
    ctx = view.context
    working = {**loaded["answers"], **st.session_state.get(_k(rid, "live"), {})}
    current = st.session_state[_k(rid, "section")]
    pre = evaluate(d, working, ctx)
    visible_sections = [s for s in d.sections if s.name in pre.visible_sections]
    if current not in {s.name for s in visible_sections}:
        current = visible_sections[0].name
    section = next(s for s in d.sections if s.name == current)

    nav, body = st.columns([1, 3], gap="large")
    with body:
        st.subheader(section.title)
        if section.description:
            st.caption(section.description)
        values, placeholders = section_widgets(d, section, working, pre, rid)
        st.session_state[_k(rid, "live")] = values
        ev = evaluate(d, working, ctx)
        for name, slot in placeholders.items():
            q = d.question(name)
            shown = ev.values.get(name)
            # no key: the widget identity follows the value, so a new result is never shown stale
            slot.text_input(_label(q), value="" if shown is None else f"{shown} {q.unit}".strip(), disabled=True,
                            help=q.help or None)
        for f in ev.warnings(section.name):
            st.warning(f"提示：{f.message}")
        if (note := st.session_state.pop(_k(rid, "note"), None)) is not None:
            st.warning(note)
        alerts = st.container()  # a save's errors appear here: above the buttons, next to the table they are in
        action = _buttons(section, visible_sections, rid, finish=on_finish is not None)
    with nav:
        jump = _navigator(ev, visible_sections, section, rid)
    if jump is not None and jump != section.name:
        action = ("move", jump)
    if action is not None:
        with alerts:
            names = [s.name for s in visible_sections]
            back = action[0] == "move" and names.index(action[1] or section.name) < names.index(section.name)
            if back:
                _save_and_go_back(actor, view, d, section, values, loaded, action[1] or section.name)
            else:
                _save_and_move(actor, view, d, section, values, loaded, action, on_finish)
    if printable:
        st.download_button("下载打印版（HTML）", printable_html(d, working, title=view.title, org=view.org_name,
                                                             period=view.period, status=view.status_label),
                           file_name=f"{view.code}_{rid}.html", mime="text/html", key=_k(rid, "print"))


def _navigator(ev: Evaluation, sections: list[Section], current: Section, rid: int) -> str | None:
    """Render the section list with progress; return the section clicked, if any."""
    answered, total = ev.totals()
    st.progress(answered / total if total else 0.0, text=f"总进度 {answered}/{total}")
    clicked = None
    for s in sections:
        a, t = ev.progress.get(s.name, (0, 0))
        if st.button(s.title, key=_k(rid, "nav", s.name), width="stretch",
                     type="primary" if s.name == current.name else "secondary"):
            clicked = s.name
        st.caption(f"共 {t} 题，已答 {a} 题，进度 {a}/{t}")
    return clicked


def _buttons(section: Section, sections: list[Section], rid: int, finish: bool = False) -> tuple[str, str | None] | None:
    names = [s.name for s in sections]
    i, last = names.index(section.name), section.name == names[-1]
    cols = st.columns(4)
    clicked = [cols[0].button("上一步", key=_k(rid, "prev"), disabled=i == 0),
               cols[1].button("保存", key=_k(rid, "save")),
               cols[2].button("下一步", key=_k(rid, "next"), disabled=last and not finish),
               not finish and cols[3].button("提交", key=_k(rid, "submit"), type="primary", disabled=not last)]
    if clicked[0]:
        return ("move", names[i - 1])
    if clicked[1]:
        return ("save", None)
    if clicked[2]:
        return ("finish", names[i]) if last else ("move", names[i + 1])
    if clicked[3]:
        return ("submit", None)
    return None


def show_errors(d: Definition, err: ValidationFailed) -> None:
    """Show every problem at once; a table's problems also as a grid (row × column) with the cells marked."""
    for msgs in err.problems.values():
        for m in msgs:
            st.error(m)
    by_question: dict[str, dict[tuple[str, str], str]] = {}
    for question, row, column, message in err.cells:
        by_question.setdefault(question, {})[(row, column)] = message.rsplit("：", 1)[-1]
    for name, cells in by_question.items():
        q = d.question(name)
        rows = [r for r in q.rows if any((r.name, c.name) in cells for c in q.cells)]
        grid = pd.DataFrame([[cells.get((r.name, c.name), "") for c in q.cells if not c.calculation] for r in rows],
                            index=[r.label for r in rows], columns=[c.label for c in q.cells if not c.calculation])
        st.caption(f"「{q.label}」中需要修改的单元格（行 × 列）：")
        st.dataframe(grid.style.map(lambda v: "background-color: #fde2e1; color: #a8071a; font-weight: 600" if v else ""),
                     width="stretch")


def _save_and_go_back(actor: Actor, view: responses.ResponseView, d: Definition, section: Section,
                      values: dict[str, Any], loaded: dict[str, Any], target: str) -> None:
    """Going back never validates: keep what passes as a draft (required fields may be empty); when
    something is wrong, go back without saving this section and say so."""
    rid = view.id
    try:
        version, _ = responses.save_section(actor, rid, section.name, values, loaded["versions"].get(section.name, 0),
                                            base_data=loaded["answers"], move_to=target, complete=False)
    except ValidationFailed as err:
        responses.set_position(actor, rid, target)
        st.session_state[_k(rid, "note")] = (f"「{section.title}」有 {sum(len(m) for m in err.problems.values())} 处内容未通过校验，"
                                             f"本部分的修改未保存。")
    except ServiceError as err:
        st.session_state[_k(rid, "conflict")] = str(err)
        st.rerun()
    else:
        loaded["versions"][section.name] = version
        loaded["answers"].update(values)
    st.session_state.pop(_k(rid, "live"), None)
    st.session_state[_k(rid, "section")] = target
    st.rerun()


def _save_and_move(actor: Actor, view: responses.ResponseView, d: Definition, section: Section,
                   values: dict[str, Any], loaded: dict[str, Any], action: tuple[str, str | None],
                   on_finish: Callable[[], None] | None) -> None:
    """Save the current section (its errors block), then move on, finish (``on_finish``) or submit."""
    rid = view.id
    kind, target = action
    try:
        version, _ = responses.save_section(actor, rid, section.name, values, loaded["versions"].get(section.name, 0),
                                            base_data=loaded["answers"], move_to=target or section.name,
                                            complete=kind != "save")
    except ValidationFailed as err:
        show_errors(d, err)
        return
    except ServiceError as err:  # e.g. someone else saved this section meanwhile: keep the message
        st.session_state[_k(rid, "conflict")] = str(err)
        st.rerun()
    loaded["versions"][section.name] = version
    loaded["answers"].update(values)
    st.session_state.pop(_k(rid, "live"), None)
    if kind == "finish" and on_finish is not None:
        on_finish()  # then saved and rerun as after a move (the target is this section)
    if kind == "submit":
        warnings = run_action(f"submit_{rid}", lambda req: responses.submit(actor, rid, req))
        if warnings is None:
            return
        _reset(rid)
        st.session_state["flash"] = "已提交。" + (f"有 {len(warnings)} 条提示已记录，供审核人员参考。" if warnings else "")
        st.rerun()
    if target:
        st.session_state[_k(rid, "section")] = target
        st.rerun()
    st.success("已保存。")


# --- widgets ---------------------------------------------------------------------------------
def _label(q: Question) -> str:
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
        if dirty:
            ev, dirty = evaluate(d, working, ev_context(ev)), False
        if g.repeat:
            if g.name in ev.visible:
                v = _repeat(g, working.get(g.name), rid)
                dirty = dirty or v != working.get(g.name)
                working[g.name] = out[g.name] = v
            continue
        if g.title and any(q.name in ev.visible for q in g.questions):
            st.markdown(f"##### {g.title}")
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
            v = question_widget(q, working.get(q.name), _k(rid, q.name), ev)
            if q.type != "note":
                dirty = dirty or v != working.get(q.name)
                working[q.name] = out[q.name] = v
    return out, placeholders


def ev_context(ev: Evaluation) -> Any:
    """Return the context an evaluation was made in."""
    return ev.context


def question_widget(q: Question, value: Any, key: str, ev: Evaluation | None = None) -> Any:
    """Render one question and return its answer (None when empty)."""
    help_text = q.help or None
    placeholder = f"例：{q.example}" if q.example else None
    t = q.type
    if t == "note":
        st.info(q.label + (f"\n\n{q.help}" if q.help else ""))
        return None
    if t == "calculated":
        shown = (ev.values.get(q.name) if ev else value)
        st.text_input(_label(q), value="" if shown is None else str(shown), disabled=True, key=key, help=help_text)
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
        picked = st.radio(_label(q), options, index=options.index(current) if current else None, key=key,
                          format_func=lambda o: labels.get(o, o), horizontal=horizontal, help=help_text)
        return picked
    if t == "multiple":
        st.markdown("**" + _label(q).replace("*", "\\*") + "**", help=help_text)
        chosen = set(value or []) if isinstance(value, list) else set()
        cols = st.columns(q.columns or 1)
        ticked: list[str] = []
        for i, c in enumerate(choices):
            if cols[i % len(cols)].checkbox(c.label, value=c.value in chosen, key=f"{key}__opt_{c.value}"):
                ticked.append(c.value)
        return ticked or None
    if t in ("text", "integer", "decimal", "percent", "month"):
        if t == "month" and not placeholder:
            placeholder = "YYYY-MM，如 2026-01"
        text = st.text_input(_label(q), value="" if value in (None, NA) else str(value), key=key, help=help_text,
                             placeholder=placeholder)
        return text.strip() or None
    if t == "textarea":
        text = st.text_area(_label(q), value=value or "", key=key, help=help_text, placeholder=placeholder)
        return text.strip() or None
    if t == "date":
        initial = dt.date.fromisoformat(value) if isinstance(value, str) and value else None
        picked_date = st.date_input(_label(q), value=initial, key=key, help=help_text, format="YYYY-MM-DD")
        return picked_date.isoformat() if isinstance(picked_date, dt.date) else None
    if t == "region":
        return region_picker(key, value, _label(q))
    if t == "industry":
        return industry_picker(key, value, _label(q))
    if t == "file":
        return _file(q, value, key, help_text)
    if t in ("matrix_single", "matrix_multiple"):
        return _matrix_choice(q, value, key)
    if t == "matrix_fill":
        return _matrix_fill(q, value, key, ev)
    st.warning(f"暂不支持的题型：{t}")
    return value


def _file(q: Question, value: Any, key: str, help_text: str | None) -> Any:
    if isinstance(value, dict):
        st.caption(f"已上传：{value.get('name')}（{int(value.get('size', 0)) // 1024} KB）")
    up = st.file_uploader(_label(q), type=list(q.file_types), key=key, help=help_text or
                          f"允许 {'、'.join(q.file_types)}，不超过 {q.max_mb:g} MB；按文件内容校验类型")
    if up is None:
        return value
    try:
        return store_upload(up.getvalue(), up.name, q.file_types, q.max_mb, q.label)
    except ValidationFailed as err:
        for msgs in err.problems.values():
            for m in msgs:
                st.error(m)
        return value


def _matrix_choice(q: Question, value: Any, key: str) -> Any:
    st.markdown("**" + _label(q).replace("*", "\\*") + "**", help=q.help or None)
    value = value if isinstance(value, dict) else {}
    out: dict[str, Any] = {}
    labels = {c.value: c.label for c in q.choices}
    for row in q.rows:
        if q.type == "matrix_single":
            opts = list(labels)
            cur = value.get(row.name)
            picked = st.radio(row.label, opts, index=opts.index(cur) if cur in opts else None, horizontal=True,
                              format_func=lambda o: labels.get(o, o), key=f"{key}__row_{row.name}")
            if picked is not None:
                out[row.name] = picked
        else:
            chosen = st.multiselect(row.label, list(labels), default=[v for v in value.get(row.name) or [] if v in labels],
                                    format_func=lambda o: labels.get(o, o), key=f"{key}__row_{row.name}", placeholder="请选择")
            if chosen:
                out[row.name] = chosen
    return out or None


def _matrix_fill(q: Question, value: Any, key: str, ev: Evaluation | None) -> Any:
    st.markdown("**" + _label(q).replace("*", "\\*") + "**", help=q.help or None)
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
    st.markdown(f"##### {g.title or g.name}")
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
    edited = st.data_editor(frame, num_rows="dynamic", key=_k(rid, "repeat", g.name), column_config=config,
                            width="stretch")
    st.caption(f"可添加行（{g.add_label}），最多 {g.max_rows} 行")
    out = []
    for _, row in edited.iterrows():
        item = {n: (str(row[label]).strip() if row[label] is not None and str(row[label]).strip() not in ("", "nan", "None")
                    else None) for n, label in cols.items()}
        if any(v is not None for v in item.values()):
            out.append(item)
    return out or None


# --- read-only -------------------------------------------------------------------------------
def answer_text(q: Question, v: Any) -> str:
    """Return a human-readable answer."""
    if is_empty(v):
        return "—"
    if v == NA:
        return NA_LABEL
    if (named := coded_answer(q, v)) is not None:
        return named
    labels = {c.value: c.label for c in q.choices}
    if isinstance(v, list):
        return "、".join(labels.get(str(x), str(x)) for x in v)
    if isinstance(v, dict) and "name" in v and q.type == "file":
        return f"📎 {v['name']}"
    if isinstance(v, dict):
        return "；".join(f"{k}：{answer_text(q, x) if not isinstance(x, dict) else x}" for k, x in v.items())
    text = labels.get(str(v), str(v))
    return f"{text} {q.unit}".strip()


def render_readonly(d: Definition, answers: dict[str, Any], view: responses.ResponseView | None = None) -> None:
    """Show a submitted response, section by section, with recorded warnings."""
    if view is not None:
        st.caption(f"{view.org_name} · {view.period or ''} · 状态：{view.status_label}"
                   + (f" · 提交时间 {view.submitted_at}" if view.submitted_at else ""))
        for w in view.warnings:
            st.warning(f"已记录的提示：{w['message']}")
    ev = evaluate(d, answers, view.context if view else None)
    for s in d.sections:
        if s.name not in ev.visible_sections:
            continue
        with st.expander(s.title, expanded=True):
            rows = [(q.label, answer_text(q, ev.values.get(q.name))) for q in s.questions
                    if q.name in ev.visible and q.type != "note"]
            for g in s.groups:
                if g.repeat and g.name in ev.visible:
                    rows.append((g.title or g.name, f"{len(ev.values.get(g.name) or [])} 行"))
            st.dataframe(pd.DataFrame(rows, columns=["题目", "回答"]), hide_index=True, width="stretch")
    if view is not None:
        st.download_button("下载打印版（HTML）", printable_html(d, answers, title=view.title, org=view.org_name,
                                                             period=view.period, status=view.status_label),
                           file_name=f"{view.code}_{view.id}.html", mime="text/html", key=f"print_ro_{view.id}")
