"""The functions expressions may call, and the value helpers they share (no parsing here)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import clock
from services.core.numbers import MAX_ABS, MAX_PLACES, number_problem, to_number


# The one number rule (finite, below 10^15, at most 10 decimals, short ASCII text): services/core/numbers.py.
__all__ = ["FUNCTIONS", "FUNCTION_ARITY", "MAX_ABS", "MAX_PLACES", "number_problem", "to_number"]


def _flat(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_flat(v))
        else:
            out.append(v)
    return out


def _nums(args: Iterable[Any]) -> list[Decimal]:
    return [n for n in (to_number(v) for v in _flat(args)) if n is not None]


def _empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, (list, tuple, dict)) and len(v) == 0)


def _selected(v: Any, option: Any) -> bool:
    if isinstance(v, (list, tuple)):
        return str(option) in {str(x) for x in v}
    return v is not None and str(v) == str(option)


def _round(x: Any, n: Any = 0) -> Decimal | None:
    num = to_number(x)
    if num is None:
        return None
    places = int(to_number(n) or 0)
    return num.quantize(Decimal(1).scaleb(-places))


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v:
        try:
            return dt.date.fromisoformat(v[:10] if len(v) >= 10 else v + "-01")
        except ValueError:
            return None
    return None


def _agg(fn: Callable[[list[Decimal]], Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        nums = _nums(args)
        return fn(nums) if nums else None
    return run


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "if": lambda c, a, b: a if c is True else b,
    "selected": _selected,
    "count_selected": lambda v: len(v) if isinstance(v, (list, tuple)) else (0 if _empty(v) else 1),
    "count": lambda v: len(v) if isinstance(v, (list, tuple)) else (0 if _empty(v) else 1),
    "sum": lambda *a: sum(_nums(a), Decimal(0)),
    "mean": _agg(lambda n: sum(n, Decimal(0)) / len(n)),
    "min": _agg(min),
    "max": _agg(max),
    "round": _round,
    "abs": lambda x: abs(n) if (n := to_number(x)) is not None else None,
    "empty": _empty,
    "coalesce": lambda *a: next((v for v in a if not _empty(v)), None),
    "number": to_number,
    "string": lambda v: "" if v is None else str(v),
    "len": lambda v: 0 if v is None else len(v if isinstance(v, (list, tuple)) else str(v)),
    "today": clock.today,
    "year": lambda v: (d.year if (d := _date(v)) else None),
    "month": lambda v: (d.month if (d := _date(v)) else None),
    "regex": lambda v, p: None if _empty(v) else re.fullmatch(str(p), str(v)) is not None,
    "prev": lambda v: v,  # special form: handled in ``evaluate``
}
FUNCTION_ARITY: dict[str, tuple[int, int]] = {
    "if": (3, 3), "selected": (2, 2), "count_selected": (1, 1), "count": (1, 1), "sum": (1, 99),
    "mean": (1, 99), "min": (1, 99), "max": (1, 99), "round": (1, 2), "abs": (1, 1), "empty": (1, 1),
    "coalesce": (1, 99), "number": (1, 1), "string": (1, 1), "len": (1, 1), "today": (0, 0), "year": (1, 1),
    "month": (1, 1), "regex": (2, 2), "prev": (1, 1),
}
