"""Survey periods: what a period of each kind looks like, which ones a survey may be opened for
(the service's rule, not the page's), and the period before one (for prev())."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import clock
from services.core.errors import ValidationFailed
from services.forms.typecheck import MONTH_RE


def previous_period(period: str) -> str:
    """Return the period before ``period`` ("2026-01" → "2025-12", "2026-Q1" → "2025-Q4", "2026" → "2025",
    "" → "")."""
    if len(period) == 7 and period[5] == "Q":
        y, q = int(period[:4]), int(period[6])
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    if len(period) == 7:
        y, m = int(period[:4]), int(period[5:])
        return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
    if len(period) == 4 and period.isdigit():
        return str(int(period) - 1)
    return ""


PERIOD_FORMATS = {"month": (MONTH_RE, "月份", "须为 YYYY-MM 格式，月份为 01–12，如 2026-01"),
                  "quarter": (re.compile(r"^[0-9]{4}-Q[1-4]$"), "季度", "须为 YYYY-Qn 格式，n 为 1–4，如 2026-Q1"),
                  "year": (re.compile(r"^[0-9]{4}$"), "年度", "须为 4 位年份，如 2026")}


@dataclass(frozen=True)
class PeriodChoice:
    """What a survey may be opened for (在线填报): the picker's label, the periods newest first, the default."""
    kind: str
    label: str            # 月份 / 季度 / 年度; "" for a survey without periods
    options: list[str]
    default: str


def period_choices(kind: str, today: dt.date | None = None) -> PeriodChoice:
    """Return the periods a survey of period ``kind`` may be opened for on ``today`` (China time): the
    last 12 months, the last 4 quarters, or the last three years (default: last year — the usual
    annual survey asks about the year just ended); a survey without periods has only ""."""
    today = today or clock.today()
    if kind == "month":
        months = [(today.year * 12 + today.month - 1 - i) for i in range(12)]
        options = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
        return PeriodChoice(kind, "月份", options, options[0])
    if kind == "quarter":
        quarters = [(today.year * 4 + (today.month - 1) // 3 - i) for i in range(4)]
        options = [f"{q // 4:04d}-Q{q % 4 + 1}" for q in quarters]
        return PeriodChoice(kind, "季度", options, options[0])
    if kind == "year":
        return PeriodChoice(kind, "年度", [str(today.year - 1), str(today.year), str(today.year - 2)], str(today.year - 1))
    return PeriodChoice(kind, "", [""], "")


def check_period(kind: str, period: str, openable: bool = False) -> str:
    """Return ``period`` if it fits the definition's period kind, else raise ``ValidationFailed`` naming
    the rule. ``openable``: it must also be one of ``period_choices`` (a survey opened on its own; a
    monthly report's questionnaire follows the report's month instead). An empty period of a periodic
    survey opened on its own means the default period."""
    period = (period or "").strip()
    choice = period_choices(kind)
    if kind not in PERIOD_FORMATS:
        if period:
            raise ValidationFailed({"期别": [f"期别：该问卷不分期别，不能指定期别（填写的是「{period}」）。"]})
        return ""
    if not period and openable:
        return choice.default
    pattern, label, rule = PERIOD_FORMATS[kind]
    if not pattern.match(period):
        raise ValidationFailed({label: [f"{label}：{rule}（填写的是「{period}」）。"]})
    if openable and period not in choice.options:
        raise ValidationFailed({label: [f"{label}：只能填报 {choice.options[-1]} 至 {choice.options[0]} 之间的"
                                        f"{label}（填写的是「{period}」）。" if kind != "year" else
                                        f"{label}：只能填报 {'、'.join(sorted(choice.options))} 年度（填写的是「{period}」）。"]})
    return period
