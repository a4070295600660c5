"""The one number rule: what a number typed anywhere may look like and hold — questionnaire answers,
monthly-report cells, the registration / organisation form, Excel imports.

Text is looked at before it is parsed: at most ``MAX_CHARS`` characters, an optional sign, ASCII digits
``0-9`` with at most one decimal point, and an optional exponent of at most three digits. Nothing else:
no full-width or other non-ASCII digits (``１２３``), no ``1_000`` or ``1,000``, no ``NaN`` / ``sNaN`` /
``Infinity``, no 100,000-digit numbers or ``1e999999999`` (which would make ``decimal`` raise Overflow
in the first sum). The value must be finite, below 10^15 in size and carry at most 10 decimal places.
Every check is exact and context-free (no Decimal arithmetic on unchecked input).
"""
from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_ABS = Decimal(10) ** 15
MAX_PLACES = 10
MAX_CHARS = 40
MAX_EXPONENT_DIGITS = 3

_NUMBER = re.compile(r"(?P<mantissa>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:[eE](?P<exp>[+-]?[0-9]+))?")
# Plain text such as "1200" or "-3.25" that is within every limit by its shape alone (at most 15 integer
# digits, so below 10^15; at most 10 decimals): parsed directly — the same result as the full path.
_PLAIN = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,10})?")
_NON_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)

NOT_A_NUMBER = "须为数字"
NON_FINITE = "须为有限的数字（不接受 NaN、Infinity 等）"
ONLY_ASCII = "须为数字，只能输入半角数字 0–9、小数点和正负号（不接受全角数字、千分位、下划线、单位或文字）"
TOO_LONG = f"数字过长（最多 {MAX_CHARS} 个字符）"
OUT_OF_RANGE = "超出数值范围（绝对值须小于 10 的 15 次方）"
TOO_MANY_PLACES = f"小数位数过多（最多 {MAX_PLACES} 位）"


def _places(n: Decimal) -> int:
    """Return the decimal places of a finite ``n`` without trailing zeros (no context, no rounding)."""
    _, digits, exponent = n.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0 or not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing)


def _checked(n: Decimal) -> tuple[Decimal | None, str | None]:
    if not n.is_finite():
        return None, NON_FINITE
    if n.copy_abs() >= MAX_ABS:
        return None, OUT_OF_RANGE
    if _places(n) > MAX_PLACES:
        return None, TOO_MANY_PLACES
    return n, None


def parse_number(v: Any) -> tuple[Decimal | None, str | None]:
    """Return ``(number, None)`` for an acceptable non-empty value, else ``(None, why)`` in Chinese
    (the reason only: callers put the field's name in front)."""
    if isinstance(v, bool):
        return None, NOT_A_NUMBER
    if isinstance(v, Decimal):
        return _checked(v)
    if isinstance(v, int):  # never str() a huge int (Python refuses beyond 4,300 digits)
        return (Decimal(v), None) if abs(v) < MAX_ABS else (None, OUT_OF_RANGE)
    if isinstance(v, float):
        v = repr(v)  # 'nan', 'inf', '1e+20', '0.1': the text rules below
    text = str(v).strip()
    return (None, TOO_LONG) if len(text) > MAX_CHARS else _parse_text(text)


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> tuple[Decimal | None, str | None]:
    """``parse_number`` of stripped text (cached: a form evaluation reads each answer several times,
    and a Decimal is immutable)."""
    if _PLAIN.fullmatch(text):
        return Decimal(text), None
    if _NON_FINITE.fullmatch(text):
        return None, NON_FINITE
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None, ONLY_ASCII if text and (not text.isascii() or "_" in text or "," in text) else NOT_A_NUMBER
    exp = match["exp"]
    if exp is not None and len(exp.lstrip("+-").lstrip("0")) > MAX_EXPONENT_DIGITS:
        mantissa = Decimal(match["mantissa"])
        if not mantissa:
            return Decimal(0), None
        return None, TOO_MANY_PLACES if exp.startswith("-") else OUT_OF_RANGE
    try:
        return _checked(Decimal(text))
    except InvalidOperation:  # not reachable after the pattern; kept as the last guard
        return None, NOT_A_NUMBER


def number_problem(v: Any) -> str | None:
    """Return why ``v`` (non-empty) is not an acceptable number, in Chinese, or None when it is."""
    return parse_number(v)[1]


def to_number(v: Any) -> Decimal | None:
    """Return ``v`` as an exact Decimal, or None for empty, non-numeric or out-of-range input
    (``number_problem`` says which). A Decimal computed inside the form engine is refused only when
    it is not finite (a product of two allowed numbers may exceed the input range)."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    return parse_number(v)[0]
