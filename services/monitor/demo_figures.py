"""Demo monthly figures: one enterprise's monthly series, the 主要经济指标 answer it gives for a month,
typical filling slips and questionnaire answers (used by services.monitor.demo)."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from db.organisation import Organisation
from services.forms.schema import Definition
from services.monitor.reports import is_quarter_month

FLOWS = {"output", "export", "power", "revenue", "cost", "finance_cost", "profit", "taxes"}
INDUSTRIAL = {"output", "export", "power", "capacity", "finished_goods"}
QUARTERLY = {"overdue_receivables", "payroll", "assets", "liabilities", "fixed_investment"}
SLIP_SHARE = 1 / 16  # about one submitted report in sixteen has a slip a balance check catches
PRODUCTS = [("数控机床", "台"), ("齿轮箱", "台"), ("电子元器件", "万件"), ("包装材料", "吨"), ("精密轴承", "万套")]
SEASON = {1: 0.95, 2: 0.78, 3: 1.02, 4: 1.0, 5: 1.02, 6: 1.06, 7: 0.98, 8: 0.97, 9: 1.03, 10: 0.98, 11: 1.04, 12: 1.12}

def quantized(x: float, places: str = "0.1") -> Decimal:
    return Decimal(str(x)).quantize(Decimal(places))


def monthly_series(org: Organisation, months: list[tuple[int, int]], rng: random.Random) -> dict[tuple[int, int], dict[str, Decimal]]:
    """Return one enterprise's monthly figures (千元, 度, 人, %) for ``months``."""
    base = float(org.revenue or 300) * 10 / 12
    margin, cost_rate, kwh = rng.uniform(-0.02, 0.1), rng.uniform(0.7, 0.86), rng.uniform(30, 120)
    export_share = rng.choice([0.0, 0.0, rng.uniform(0.05, 0.4)])
    assets, leverage, loans = max(float(org.assets or 0) * 10, base * 10), rng.uniform(0.3, 0.7), rng.uniform(0, 3)
    people = max(5, org.employees or 20)
    out = {}
    for i, (y, m) in enumerate(months):
        rev = base * (1 + 0.004 * i) * SEASON[m] * rng.uniform(0.93, 1.07)
        output = rev * rng.uniform(0.95, 1.08)
        receivables = rev * rng.uniform(1.2, 2.4)
        staff = max(1, round(people * rng.uniform(0.97, 1.03)))
        out[(y, m)] = {
            "revenue": quantized(rev), "cost": quantized(rev * cost_rate * rng.uniform(0.97, 1.03)), "profit": quantized(rev * margin),
            "taxes": quantized(rev * 0.03), "finance_cost": quantized(rev * 0.006), "output": quantized(output),
            "export": quantized(output * export_share), "power": quantized(output * kwh, "1"), "capacity": quantized(rng.uniform(62, 92)),
            "loans": quantized(base * loans), "receivables": quantized(receivables), "finished_goods": quantized(rev * rng.uniform(0.3, 0.9)),
            "employees": Decimal(staff), "overdue_receivables": quantized(receivables * rng.uniform(0, 0.15)),
            "payroll": quantized(staff * rng.uniform(6, 11)), "assets": quantized(assets * (1 + 0.003 * i)),
            "liabilities": quantized(assets * leverage), "fixed_investment": quantized(rev * rng.uniform(0, 0.06))}
    return out


def indicator_cells(d: Definition, series: dict[tuple[int, int], dict[str, Decimal]], period: str,
           industrial: bool) -> dict[str, dict[str, str]]:
    """Return the 主要经济指标 answer for ``period``: 本月, 1-本月 (accumulated for flows), last year's."""
    y, m = int(period[:4]), int(period[5:])
    out = {}
    for row in d.question("ind").rows:
        if (row.name in INDUSTRIAL and not industrial) or (row.name in QUARTERLY and not is_quarter_month(period)):
            continue
        cur, ly = series[(y, m)][row.name], series[(y - 1, m)][row.name]
        ytd, lytd = cur, ly  # stocks: the month-end value in both columns
        if row.name in FLOWS:
            ytd, lytd = (sum((series[(yy, k)][row.name] for k in range(1, m + 1)), Decimal(0)) for yy in (y, y - 1))
        out[row.name] = {"cur_m": str(cur), "cur_ytd": str(ytd), "ly_m": str(ly), "ly_ytd": str(lytd)}
    return out


def slip(cells: dict[str, dict[str, str]], rng: random.Random) -> None:
    """Make one typical filling mistake that a balance check catches."""
    kind = rng.choice([k for k in ("output", "revenue", "assets") if k in cells])
    if kind == "output":      # 本月 typed with an extra zero
        cells["output"]["cur_m"] = str(Decimal(cells["output"]["cur_m"]) * 10)
    elif kind == "revenue":   # 1-本月 not accumulated
        cells["revenue"]["cur_ytd"] = cells["revenue"]["cur_m"]
    else:                     # 资产总计 in the wrong unit
        cells["assets"]["cur_ytd"] = str(quantized(float(cells["receivables"]["cur_ytd"]) / 3))


def survey_answers(code: str, rng: random.Random) -> dict[str, Any]:
    if code == "power_cut_survey":
        hit = rng.random() < 0.2
        return {"affected": "1", "days": str(rng.randint(1, 8)), "output_loss": str(rng.randint(2, 15))} if hit \
            else {"affected": "0"}
    trend = ["up", "flat", "flat", "down"]  # sme_monthly_survey
    return {"orders": rng.choice(trend), "costs": rng.choice(trend), "funding": rng.choice(["ok", "normal", "tight"]),
            "problems": sorted(set(rng.choices(["demand", "cost", "labour", "finance", "payment"], k=2)))
            if rng.random() < 0.7 else ["none"]}
