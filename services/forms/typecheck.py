"""Type checks of one answer against its question (numbers, ranges, dates, months, choices, files)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from services.forms.functions import number_problem, to_number
from services.forms.schema import Question
from services.forms.scoring import NA
from services.core.lengths import too_long

MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# Longest answer of a free-text question (a table's text cell counts as ``text``).
TEXT_MAX = {"text": 500, "textarea": 5000}


def type_problems(q: Question, v: Any, label: str) -> list[str]:
    """Return format problems of a non-empty answer (Chinese, naming the question)."""
    if v == NA:
        return [] if q.not_applicable else [f"{label}：此题不允许选择“不适用”。"]
    t = q.type
    if t in ("integer", "decimal", "percent", "rating"):
        n = to_number(v)
        if n is None:
            return [f"{label}：{number_problem(v) or '须为数字'}。"]
        out = []
        if t in ("integer", "rating") and n != n.to_integral_value():
            out.append(f"{label}：须为整数。")
        if q.precision is not None and t != "integer" and -n.as_tuple().exponent > q.precision:  # type: ignore[operator]
            out.append(f"{label}：最多保留 {q.precision} 位小数。")
        lo = q.min if q.min is not None else (0 if t in ("percent", "rating") else None)
        hi = q.max if q.max is not None else (100 if t == "percent" else None)
        if lo is not None and n < Decimal(str(lo)):
            out.append(f"{label}：不能小于 {lo:g}。")
        if hi is not None and n > Decimal(str(hi)):
            out.append(f"{label}：不能大于 {hi:g}。")
        return out
    if t in TEXT_MAX:
        return too_long(label, str(v), TEXT_MAX[t])
    if t == "single":
        return [] if str(v) in {c.value for c in q.choices} else [f"{label}：选项「{v}」无效。"]
    if t == "multiple":
        if not isinstance(v, (list, tuple)):
            return [f"{label}：须为选项列表。"]
        bad = [x for x in v if str(x) not in {c.value for c in q.choices}]
        return [f"{label}：选项 {bad} 无效。"] if bad else []
    if t == "date":
        try:
            dt.date.fromisoformat(str(v))
        except ValueError:
            return [f"{label}：日期格式须为 YYYY-MM-DD。"]
    if t == "month" and not MONTH_RE.match(str(v)):
        return [f"{label}：月份格式须为 YYYY-MM。"]
    if t == "file":
        files = v if isinstance(v, list) else [v]
        for f in files:
            if not isinstance(f, dict) or "name" not in f:
                return [f"{label}：文件信息无效。"]
            ext = str(f["name"]).rsplit(".", 1)[-1].lower()
            if ext not in q.file_types:
                return [f"{label}：只能上传 {'、'.join(q.file_types)} 文件。"]
            if float(f.get("size", 0)) > q.max_mb * 1024 * 1024:
                return [f"{label}：文件不能超过 {q.max_mb:g} MB。"]
    return []
