"""The reusable form renderer: section navigator with progress, previous / save / next / submit,
resume where the user stopped, conflict messages, read-only and printable views.

It holds only UI state in ``st.session_state`` (widget values, the section versions the form was
loaded with); answers are saved server-side through ``services.forms.responses``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.form_print import coded_answer, printable_html
from components.question_widgets import NA_LABEL, question_label, section_widgets, widget_key
from components.text import md
from services.core.errors import ServiceError, ValidationFailed
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.engine import NA, Evaluation, evaluate, is_empty
from services.forms.schema import Definition, Question, Section
from services.core.permissions import Actor

_k = widget_key


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
        st.error(md(conflict))
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
        st.subheader(md(section.title))
        if section.description:
            st.caption(md(section.description, multiline=True))
        values, placeholders = section_widgets(d, section, working, pre, rid)
        st.session_state[_k(rid, "live")] = values
        ev = evaluate(d, working, ctx)
        for name, slot in placeholders.items():
            q = d.question(name)
            shown = ev.values.get(name)
            # no key: the widget identity follows the value, so a new result is never shown stale
            slot.text_input(md(question_label(q)), value="" if shown is None else f"{shown} {q.unit}".strip(),
                            disabled=True, help=md(q.help, multiline=True) or None)
        for f in ev.warnings(section.name):
            st.warning(f"提示：{md(f.message)}")
        if (note := st.session_state.pop(_k(rid, "note"), None)) is not None:
            st.warning(md(note))
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
    st.progress(answered / total if total else 0.0, text=f"总进度 {answered:d}/{total:d}")
    clicked = None
    for s in sections:
        a, t = ev.progress.get(s.name, (0, 0))
        if st.button(md(s.title), key=_k(rid, "nav", s.name), width="stretch",
                     type="primary" if s.name == current.name else "secondary"):
            clicked = s.name
        st.caption(f"共 {t:d} 题，已答 {a:d} 题，进度 {a:d}/{t:d}")
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
            st.error(md(m))
    by_question: dict[str, dict[tuple[str, str], str]] = {}
    for question, row, column, message in err.cells:
        by_question.setdefault(question, {})[(row, column)] = message.rsplit("：", 1)[-1]
    for name, cells in by_question.items():
        q = d.question(name)
        rows = [r for r in q.rows if any((r.name, c.name) in cells for c in q.cells)]
        grid = pd.DataFrame([[cells.get((r.name, c.name), "") for c in q.cells if not c.calculation] for r in rows],
                            index=[r.label for r in rows], columns=[c.label for c in q.cells if not c.calculation])
        st.caption(f"「{md(q.label)}」中需要修改的单元格（行 × 列）：")
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
        st.caption(f"{md(view.org_name)} · {md(view.period)} · 状态：{md(view.status_label)}"
                   + (f" · 提交时间 {md(view.submitted_at)}" if view.submitted_at else ""))
        for w in view.warnings:
            st.warning(f"已记录的提示：{md(w['message'])}")
    ev = evaluate(d, answers, view.context if view else None)
    for s in d.sections:
        if s.name not in ev.visible_sections:
            continue
        with st.expander(md(s.title), expanded=True):
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
