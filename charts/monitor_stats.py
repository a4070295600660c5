"""Monitoring dashboard charts and tables: pure builders from services.stats.monitor_stats rows
(``Figures`` / ``Rate``) to ECharts options and table rows (no Streamlit, no DB)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from charts.stats import RED, js, south_sea_inset
from db.monitor_stats import INDICATORS
from services.core.numfmt import fmt, round_half_up


DEFAULT_INDICATOR = "revenue" if "revenue" in INDICATORS else next(iter(INDICATORS))  # 营业收入: every enterprise reports it


class FiguresLike(Protocol):
    code: str
    name: str
    n: int

    def value(self, indicator: str, ytd: bool = False) -> float: ...
    def last_year(self, indicator: str, ytd: bool = False) -> float: ...
    def growth(self, indicator: str, ytd: bool = False) -> float | None: ...


class RateLike(Protocol):
    code: str
    name: str
    reports: int
    expected: int

    @property
    def rate(self) -> float | None: ...


def period_label(ytd: bool) -> str:
    return "本年1-本月" if ytd else "本年本月"


def indicator_label(indicator: str) -> str:
    """Return e.g. "营业收入（千元）"."""
    label, unit = INDICATORS[indicator]
    return f"{label}（{unit}）" if unit else label


def indicator_map(map_name: str, rows: Sequence[FiguresLike], indicator: str, ytd: bool = False,
                  inset: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a choropleth of one indicator's sum per child region, keyed by adcode (as charts.stats)."""
    label = indicator_label(indicator)
    data = [{"name": r.code, "value": round_half_up(r.value(indicator, ytd), 3) if r.n else None, "region": r.name,
             "text": f"{fmt(r.value(indicator, ytd))}（{r.n:,} 份月报）" if r.n else "无数据"} for r in rows]
    values: list[float] = [float(d["value"]) for d in data if d["value"] is not None]
    names = json.dumps({r.code: r.name for r in rows}, ensure_ascii=False)
    region_name = f"var names={names};var d=p.data||{{}};var name=d.region||names[p.name]||p.name;"
    return {
        "tooltip": {"trigger": "item", "formatter": js(
            f"function(p){{{region_name}return name+'<br/>'+p.seriesName+'：'+(d.text||'无数据');}}")},
        "visualMap": {"min": min(values + [0]), "max": max(values) if values and max(values) > 0 else 1,
                      "left": "left", "bottom": 10, "calculable": True, "text": ["高", "低"],
                      "inRange": {"color": ["#fdf2f0", "#f1948a", RED, "#78281f"]}},
        "series": [{"type": "map", "map": map_name, "nameProperty": "adcode", "roam": True, "label": {"show": False},
                    "emphasis": {"label": {"show": True, "formatter": js(f"function(p){{{region_name}return name;}}")}},
                    "select": {"disabled": True}, "data": data, "name": f"{label} {period_label(ytd)}"}],
        **({"graphic": [south_sea_inset(inset)]} if inset else {}),
    }


def indicator_bars(rows: Sequence[FiguresLike], indicator: str, ytd: bool = False, horizontal: bool = False) -> dict[str, Any]:
    """Return bars of this year's and last year's sum per row (those with reports)."""
    shown = [r for r in rows if r.n]
    names = [r.name for r in shown]
    category = {"type": "category", "data": names, **({} if horizontal else {"axisLabel": {"rotate": 30}})}
    value = {"type": "value", "name": INDICATORS[indicator][1]}
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "color": [RED, "#7f8c8d"],
        "grid": {"left": "3%", "right": "4%", "bottom": 50, "containLabel": True},
        "xAxis": value if horizontal else category,
        "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "name": period_label(ytd), "data": [round_half_up(r.value(indicator, ytd), 3) for r in shown]},
                   {"type": "bar", "name": "上年同期", "data": [round_half_up(r.last_year(indicator, ytd), 3) for r in shown]}],
    }


def growth_rows(rows: Sequence[FiguresLike], first: str, indicator: str) -> list[dict[str, Any]]:
    """Return the table rows: per row the month and year-to-date sums, last year's and the growth (%)."""
    def pct(v: float | None) -> float | None:
        return None if v is None else round_half_up(v, 2)
    return [{first: r.name, "审核通过月报数": r.n,
             "本年本月": round_half_up(r.value(indicator), 3), "上年本月": round_half_up(r.last_year(indicator), 3),
             "本月同比增长(%)": pct(r.growth(indicator)),
             "本年1-本月": round_half_up(r.value(indicator, True), 3), "上年1-本月": round_half_up(r.last_year(indicator, True), 3),
             "累计同比增长(%)": pct(r.growth(indicator, True))} for r in rows]


def rate_rows(rows: Sequence[RateLike], first: str) -> list[dict[str, Any]]:
    """Return the reporting-rate table rows: approved reports, enterprises, 报送率 (%)."""
    return [{first: r.name, "审核通过月报数": r.reports, "监测企业数": r.expected,
             "报送率(%)": None if r.rate is None else round_half_up(r.rate, 2)} for r in rows]


def rate_bars(rows: Sequence[RateLike]) -> dict[str, Any]:
    """Return bars of the reporting rate (%) per region with enterprises."""
    shown = [r for r in rows if r.expected]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": "3%", "right": "3%", "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": [r.name for r in shown], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": "%", "min": 0, "max": 100},
        "series": [{"type": "bar", "name": "报送率", "itemStyle": {"color": RED},
                    "data": [round_half_up(r.rate, 2) for r in shown]}],
    }
