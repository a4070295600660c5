"""Money: integers in 分 (fen) everywhere; 元 only at the edges (forms and display).

``parse_yuan`` is the one rule for an amount typed in 元 (at most two decimals, not negative,
below ``MAX_FEN``) and returns fen; ``yuan`` formats fen for display (``¥1,234.50``).
"""
from __future__ import annotations

import re

from services.core.errors import ValidationFailed

MAX_FEN = 10 ** 13          # 1000 亿元: above any listing, order or voucher
_YUAN = re.compile(r"^(0|[1-9][0-9]{0,10})(\.[0-9]{1,2})?$")


def parse_yuan(text: object, field: str, *, allow_zero: bool = True) -> int:
    """Return the fen of an amount typed in 元, or raise ``ValidationFailed`` naming ``field`` and the rule."""
    raw = str(text if text is not None else "").strip().replace(",", "")
    if not raw:
        raise ValidationFailed({field: [f"{field}：必填项，请填写金额（元）。"]})
    if not _YUAN.match(raw):
        raise ValidationFailed({field: [f"{field}：请填写不小于 0 的金额（元），最多两位小数。"]})
    whole, _, frac = raw.partition(".")
    fen = int(whole) * 100 + int((frac + "00")[:2])
    if fen >= MAX_FEN:
        raise ValidationFailed({field: [f"{field}：金额过大（须小于 {MAX_FEN // 100:,} 元）。"]})
    if not allow_zero and fen == 0:
        raise ValidationFailed({field: [f"{field}：金额须大于 0。"]})
    return fen


def yuan(fen: int | None, *, symbol: bool = True) -> str:
    """Format fen as 元 with two decimals and thousands separators; None as ``---`` (the manual's blank)."""
    if fen is None:
        return "---"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{'¥' if symbol else ''}{whole:,}.{cents:02d}"
