"""One component for every admin list: it renders a list declaration (``specs/lists/<code>.yaml``).

Filters (region / industry cascades limited to the actor's jurisdiction, selects, text, year
and date ranges, flags), a sort, the count with page 1 again whenever a filter or the sort changes
(``components.paging``), the table with a column chooser, and an Excel export of the whole result
built only when asked (``components.downloads``). The column chooser and the table are one fragment:
showing or hiding a column redraws the table alone, with no query. All reading and validation is
``services.lists``; this module only draws.

Widget keys are ``<key>_<filter key>`` (a year or date range: ``<key>_<keys[0]>`` / ``<key>_<keys[1]>``),
``<key>_page``, ``<key>_sort``, ``<key>_desc``, ``<key>_cols``, ``<key>_export_prepare``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

import clock
from components.downloads import XLSX_MIME, prepared_download
from components.feedback import fragment
from components.paging import paged
from components.pickers import industry_picker, region_picker
from components.text import md
from services import lists
from services.lists.spec import FilterSpec, ListSpec
from services.core.numfmt import fmt
from services.core.permissions import Actor
from services.reference import region

_DEFAULT = "__default__"


def _filter(spec: ListSpec, f: FilterSpec, actor: Actor, key: str, slot: Any) -> Any:
    wkey = f"{key}_{f.key}"
    if f.type == "region":
        if actor.region_code is not None and (node := region(actor.region_code)) is not None and node.level == "county":
            return None  # a county administrator has nothing below to pick
        return region_picker(wkey, f.default, f.label, root=actor.region_code)
    if f.type == "industry":
        return industry_picker(wkey, f.default, f.label)
    if f.type == "text":
        return slot.text_input(md(f.label), value=str(f.default or ""), key=wkey, max_chars=lists.TEXT_MAX,
                               placeholder=md(f.placeholder) if f.placeholder else None, help=md(f.help) if f.help else None)
    if f.type == "date":
        default = dt.date.fromisoformat(str(f.default)) if f.default else None
        return slot.date_input(md(f.label), value=default, key=wkey, format="YYYY-MM-DD",
                               help=md(f.help) if f.help else None)
    if f.type == "flag":
        return slot.checkbox(md(f.label), value=bool(f.default), key=wkey, help=md(f.help) if f.help else None)
    if f.type == "year_range":
        hi = f.max or clock.today().year
        start, end = f.default if f.default else (f.min, hi)
        a, b = slot.columns(2)
        return (int(a.number_input(md(f.labels[0]), f.min, hi, min(max(start, f.min), hi), key=f"{key}_{f.keys[0]}")),
                int(b.number_input(md(f.labels[1]), f.min, hi, min(max(end, f.min), hi), key=f"{key}_{f.keys[1]}")))
    if f.type == "date_range":
        a, b = slot.columns(2)
        today = clock.today()
        return (a.date_input(md(f.labels[0]), value=None, max_value=today, key=f"{key}_{f.keys[0]}", format="YYYY-MM-DD"),
                b.date_input(md(f.labels[1]), value=None, max_value=today, key=f"{key}_{f.keys[1]}", format="YYYY-MM-DD"))
    options = lists.choices(spec, f.name)
    values = list(options)
    index = values.index(f.default) if f.default in values else 0

    if f.widget == "radio":
        return slot.radio(md(f.label), values, index=index, key=wkey, horizontal=True,
                          format_func=lambda v: md(options.get(v, str(v))))
    return slot.selectbox(md(f.label), values, index=index, key=wkey, format_func=lambda v: options.get(v, str(v)),
                          placeholder="请选择")  # selectbox options are plain text (radio options are Markdown)


def _filters(spec: ListSpec, actor: Actor, key: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    inline = [f for f in spec.filters if f.type not in ("region", "industry")]
    slots = st.columns(min(len(inline), 4), vertical_alignment="bottom") if inline else []
    for n, f in enumerate(inline):
        values[f.name] = _filter(spec, f, actor, key, slots[n % len(slots)])
    for f in spec.filters:
        if f.type in ("region", "industry"):
            values[f.name] = _filter(spec, f, actor, key, st)
    return values


def _sort(spec: ListSpec, key: str) -> tuple[str | None, bool | None]:
    sortable = {c.key: c.label for c in spec.columns if c.sortable}
    if not sortable:
        return None, None
    default_by, default_desc = spec.sort
    options = [_DEFAULT] if default_by is None else []
    options += list(sortable)
    s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
    by = s1.selectbox("排序", options, index=options.index(default_by) if default_by in options else 0, key=f"{key}_sort",
                      format_func=lambda k: "默认顺序" if k == _DEFAULT else sortable[k], placeholder="请选择")
    desc = s2.checkbox("降序", value=default_desc, key=f"{key}_desc")
    return (None, None) if by == _DEFAULT or by is None else (str(by), bool(desc))


def _cell(value: Any, format: str | None, kind: str = "text") -> Any:
    if value is None:
        return None if kind == "number" else ""  # a number column stays numeric (an empty cell, not "")
    if format == "score":
        return fmt(value)
    if format == "thousands" and isinstance(value, (int, float)):
        return f"{value:,}"
    return value


@fragment
def _table(key: str, labels: dict[str, str], shown: list[str], frame: pd.DataFrame,
           required: tuple[str, ...] = ()) -> None:
    """The column chooser and the table: choosing columns reruns only this fragment (no query).
    ``required`` columns are always shown first and are not offered in the chooser."""
    optional = [k for k in labels if k not in required]
    chosen = list(required) + st.multiselect("显示列", optional, default=[k for k in shown if k not in required],
                                             key=f"{key}_cols", format_func=lambda k: labels[k],
                                             placeholder="请选择要显示的列")
    if not chosen:
        st.caption("请至少选择一列。")
        return
    st.dataframe(frame[[labels[k] for k in chosen]], hide_index=True, width="stretch")


def admin_list(code: str, actor: Actor, key: str) -> list[Any]:
    """Render list ``code`` for ``actor`` and return the current page's rows (the source's objects)."""
    spec = lists.declaration(code)
    with st.container(border=True):
        values = _filters(spec, actor, key)
        sort_by, descending = _sort(spec, key)
    query = (code, tuple(sorted(values.items())), sort_by, descending)
    metrics_slot = st.container()
    found: dict[str, lists.Page] = {}

    def fetch(index: int) -> tuple[int, list[Any]]:
        found["page"] = lists.page(actor, code, values, index, sort_by, descending)
        return found["page"].total, found["page"].items

    items = paged(key, query, fetch, spec.page_size, spec.unit)
    if "page" in found and found["page"].metrics:
        for col, (label, n) in zip(metrics_slot.columns(len(found["page"].metrics)), found["page"].metrics):
            col.metric(md(label), f"{n:,}")
    if spec.caption:
        st.caption(md(spec.caption))
    if not items:
        return items
    screen = [c for c in spec.columns if c.screen]
    frame = pd.DataFrame([{c.label: _cell(lists.value(i, c.key), c.format, c.kind) for c in screen} for i in items])
    _table(key, {c.key: c.label for c in screen}, [c.key for c in screen if c.visible], frame,
           tuple(c.key for c in screen if c.required))
    if spec.export_file:
        total = found["page"].total
        prepared_download(f"{key}_export", query, lambda: lists.export(actor, code, values, sort_by, descending),
                          f"导出全部 {total:,} 条为 Excel", "下载 Excel", spec.export_file, XLSX_MIME)
    return items
