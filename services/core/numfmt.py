"""How numbers are rounded for people: 四舍五入 (half up) on the decimal text, as the standard's
examples and users expect — Python's ``round`` and ``format`` round half to even on binary floats
(0.825 → 0.82, 2.675 → 2.67). Every score, average and share shown on a page, in a PDF, an Excel
export or a chart goes through here."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import SupportsFloat

Number = SupportsFloat | Decimal | str


def half_up(value: Number | None, places: int = 2) -> Decimal | None:
    """Return ``value`` rounded half up to ``places`` decimals (None stays None).

    A float is read through its shortest decimal text (``repr``), so 0.825 is 0.825, not
    0.82499999999999995559…"""
    if value is None:
        return None
    text = value if isinstance(value, (str, Decimal)) else repr(float(value))
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return None
    if not exact.is_finite():
        return None
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


STORED_PLACES = 4  # scores are stored (and summed in db.stats.UNIT = 1/10 000) with four decimals


def stored(value: Number) -> Decimal:
    """Return a score as stored: four decimals, rounded half up like everything shown (one rule)."""
    rounded = half_up(value, STORED_PLACES)
    if rounded is None:
        raise ValueError(f"not a finite number: {value!r}")
    return rounded


def round_half_up(value: Number | None, places: int = 2) -> float | None:
    """Return ``value`` rounded half up as a float (for charts and Excel cells)."""
    rounded = half_up(value, places)
    return None if rounded is None else float(rounded)


def fmt(value: Number | None, places: int = 2, empty: str = "—", grouping: bool = False) -> str:
    """Return ``value`` as text with ``places`` decimals, rounded half up; ``empty`` for None;
    ``grouping`` adds thousands separators (12,345.68)."""
    rounded = half_up(value, places)
    return empty if rounded is None else format(rounded, ",f" if grouping else "f")


def percent(value: Number | None, places: int = 1, empty: str = "—") -> str:
    """Return a share (0.8125) as a percentage rounded half up ("81.3%"); ``empty`` for None."""
    rounded = half_up(value, places + 2)
    return empty if rounded is None else f"{rounded * 100:.{places}f}%"
