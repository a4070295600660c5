"""Admin lists as declarations: run a declaration (``specs/lists/<code>.yaml``) over its source.

The runner checks the actor's permission for the source, validates every filter value (Chinese
messages naming the field: an unknown region or industry, a region outside the jurisdiction, a
value that is not an option, a reversed year or date range, overlong text), turns the sort into the
source's SQL ``ORDER BY`` and asks the source for one page or, for an export, for the whole result
as a stream written straight into an .xlsx (memory stays flat; codes stay text; no cell is ever a
formula). The source applies the jurisdiction itself, so no declaration can widen it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import literal_column

import clock
from services.core.errors import PermissionDenied, ValidationFailed
from services.io.excel import stream_xlsx
from services.io.prefetch import prefetched
from services.lists.source import Field, Order, Page, Param, Source, register, sources, value
from services.lists.spec import ListSpec, SpecError, check_file, declaration
from services.core.permissions import Actor, in_jurisdiction, require
from services.reference import industry, region, region_path

__all__ = ["Field", "Order", "Page", "Param", "Source", "register", "sources", "value", "ListSpec", "SpecError",
           "check_file", "declaration", "params", "order", "page", "export", "TEXT_MAX"]

TEXT_MAX = 100


def _source(actor: Actor, spec: ListSpec) -> Source:
    src = sources()[spec.source]
    require(actor, src.permission)
    return src


def params(actor: Actor, spec: ListSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the source parameters for the filter ``values`` (by filter name), validated.

    A filter left out takes its declared default. Raises ``ValidationFailed`` naming the field, or
    ``PermissionDenied`` for a region outside the actor's jurisdiction.
    """
    out: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for f in spec.filters:
        v = values.get(f.name, f.default)
        if f.type == "region":
            v = v or None
            if v is not None and v == actor.region_code:
                v = None  # the whole jurisdiction: no narrowing
            if v is not None:
                if region(str(v)) is None:
                    problems[f.label] = [f"{f.label}：行政区划代码「{v}」不存在。"]
                    continue
                if not in_jurisdiction(actor, region_path(str(v))):
                    raise PermissionDenied(f"{f.label}：所选地区超出您的管辖范围。")
        elif f.type == "industry":
            v = v or None
            if v is not None and industry(str(v)) is None:
                problems[f.label] = [f"{f.label}：行业代码「{v}」不在国民经济行业分类（GB/T 4754-2017）中。"]
                continue
        elif f.type == "text":
            v = "" if v is None else str(v).strip()
            if len(v) > TEXT_MAX:
                problems[f.label] = [f"{f.label}：不能超过 {TEXT_MAX} 个字符。"]
                continue
        elif f.type == "flag":
            v = bool(v)
        elif f.type == "date":
            v = v or None
            if v is not None and not isinstance(v, dt.date):
                try:
                    v = dt.date.fromisoformat(str(v))
                except ValueError:
                    problems[f.label] = [f"{f.label}：须为日期（年-月-日）。"]
                    continue
            if isinstance(v, dt.datetime):
                v = v.date()
        elif f.type == "select":
            offered = _options(spec, f.name)
            if v is None and f.all is None and f.default is not None:
                v = f.default
            if not (v is None and f.all is not None) and v not in offered:
                problems[f.label] = [f"{f.label}：只能从列出的选项中选择。"]
                continue
        elif f.type == "year_range":
            lo, hi = f.min, f.max or clock.today().year
            pair = list(v) if isinstance(v, (list, tuple)) else [None, None]
            start, end = (pair + [None, None])[:2]
            start, end = (lo if start is None else start), (hi if end is None else end)
            try:
                start, end = int(start), int(end)
            except (TypeError, ValueError):
                problems[f.label] = [f"{f.label}：须为年份。"]
                continue
            wrong = [f"{lbl}：须在 {lo} 年至 {hi} 年之间。" for lbl, y in zip(f.labels, (start, end)) if not lo <= y <= hi]
            if wrong:
                problems[f.label] = wrong
                continue
            if start > end:
                problems[f.labels[0]] = [f"{f.labels[0]}（{start}）不能晚于{f.labels[1]}（{end}），请重新选择。"]
                continue
            v = (start, end)
        elif f.type == "date_range":
            v, wrong = _date_range(f, v)
            if wrong:
                problems[f.labels[0] if len(wrong) == 1 and "不能晚于" in wrong[0] else f.label] = wrong
                continue
        out[f.name] = v
    if problems:
        raise ValidationFailed(problems)
    return out


def _date_range(f: Any, v: Any) -> tuple[tuple[dt.date | None, dt.date | None], list[str]]:
    """Return ((start, end), problems) of a date range: either end may be empty; dates only, start ≤ end."""
    pair = list(v) if isinstance(v, (list, tuple)) else [None, None]
    start, end = (pair + [None, None])[:2]
    wrong = [f"{lbl}：须为日期。" for lbl, d in zip(f.labels, (start, end))
             if d is not None and not (isinstance(d, dt.date) and not isinstance(d, dt.datetime))]
    if wrong:
        return (None, None), wrong
    if start is not None and end is not None and start > end:
        return (None, None), [f"{f.labels[0]}（{start:%Y-%m-%d}）不能晚于{f.labels[1]}（{end:%Y-%m-%d}），请重新选择。"]
    return (start, end), []


def _options(spec: ListSpec, name: str) -> list[Any]:
    f = next(x for x in spec.filters if x.name == name)
    if f.options is not None:
        return list(f.options)
    param = sources()[spec.source].params[name]
    return list(param.choices()) if param.choices else []


def choices(spec: ListSpec, name: str) -> dict[Any, str]:
    """Return the options of select filter ``name`` (value → label), the 'all' option first."""
    f = next(x for x in spec.filters if x.name == name)
    param = sources()[spec.source].params[name]
    labels = dict(param.choices()) if param.choices else {}
    out: dict[Any, str] = {None: f.all} if f.all is not None else {}
    out.update({o: labels.get(o, str(o)) for o in _options(spec, name)})
    return out


def order(spec: ListSpec, by: str | None = None, descending: bool | None = None) -> Order:
    """Return the sort for column ``by`` (None = the declared default sort); only sortable columns."""
    if by is None:
        by, descending = spec.sort[0], spec.sort[1] if descending is None else descending
    if by is None:
        return Order()
    col = next((c for c in spec.columns if c.key == by and c.sortable), None)
    if col is None:
        raise ValidationFailed({"排序": ["排序：只能按列出的可排序列排序。"]})
    expr = sources()[spec.source].fields[by].sort
    if isinstance(expr, str):  # a column of the source's own result set
        expr = literal_column(expr)
    return Order(by, bool(descending), (expr.desc() if descending else expr.asc(),))


def _spec(code: str | ListSpec) -> ListSpec:
    return code if isinstance(code, ListSpec) else declaration(code)


def page(actor: Actor, code: str | ListSpec, values: Mapping[str, Any], page_index: int = 0,
         sort_by: str | None = None, descending: bool | None = None) -> Page:
    """Return one page (0-based) of list ``code`` (a shipped declaration's code, or a loaded declaration)
    for the filter ``values``, inside the actor's jurisdiction."""
    spec = _spec(code)
    src = _source(actor, spec)
    return src.page(actor, params(actor, spec, values), order(spec, sort_by, descending), max(0, page_index),
                    spec.page_size)


def export_columns(spec: ListSpec) -> list[Any]:
    return [c for c in spec.columns if c.export]


def export(actor: Actor, code: str | ListSpec, values: Mapping[str, Any], sort_by: str | None = None,
           descending: bool | None = None) -> bytes:
    """Return the whole result of list ``code`` as .xlsx, streamed (the source reads in chunks inside
    ``session_scope(read=True)``): the declared export columns, codes as text, no formulas."""
    spec = _spec(code)
    src = _source(actor, spec)
    if spec.export_file is None or src.stream is None:
        raise PermissionDenied("此列表不提供导出。")
    cols = export_columns(spec)
    stream = src.stream(actor, params(actor, spec, values), order(spec, sort_by, descending))

    keys = [c.key for c in cols]
    if src.stream_keys is not None:  # the source yields sequences in this order: pick by position, no dicts
        at = [src.stream_keys.index(k) for k in keys]
        pick_at = itemgetter(*at) if len(at) > 1 else (lambda item: (item[at[0]],))

        def rows() -> Iterator[Sequence[Any]]:
            return map(pick_at, stream)
    else:
        pick = itemgetter(*keys) if len(keys) > 1 else (lambda item: (item[keys[0]],))

        def rows() -> Iterator[Sequence[Any]]:
            for item in stream:  # mappings (most sources) by one C-level getter; objects and gaps field by field
                if type(item) is dict:
                    try:
                        yield pick(item)
                        continue
                    except KeyError:
                        pass
                yield [value(item, k) for k in keys]
    return stream_xlsx([c.label for c in cols], prefetched(rows()), spec.export_sheet,
                       [j for j, c in enumerate(cols) if c.kind in ("code", "text", "datetime")])
