"""Charts for the maturity self-diagnosis (pure: data in, ECharts option out)."""
from __future__ import annotations

from typing import Any

from services.core.numfmt import round_half_up

RED = "#c0392b"


def domain_radar(domains: list[tuple[str, float]], compare: list[tuple[str, list[float]]] | None = None) -> dict[str, Any]:
    """Return a radar of domain scores (0–1); ``compare`` adds named series (e.g. an average)."""
    series = [{"name": "本企业", "value": [round_half_up(v) for _, v in domains], "areaStyle": {"opacity": 0.25}}]
    for name, values in compare or []:
        series.append({"name": name, "value": [round_half_up(v) for v in values]})
    return {
        "color": [RED, "#2980b9", "#27ae60"],
        "tooltip": {},
        "legend": {"bottom": 0, "data": [s["name"] for s in series]},
        "radar": {"indicator": [{"name": k, "max": 1} for k, _ in domains], "radius": "62%", "splitNumber": 5},
        "series": [{"type": "radar", "data": series}],
    }


def level_bars(rows: list[tuple[str, float]], gates: dict[str, float]) -> dict[str, Any]:
    """Return bars of level scores with the pass line (the levels' gates from the definition)."""
    lines = sorted(set(gates.values()))
    return {
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [r[0] for r in rows]},
        "yAxis": {"type": "value", "min": 0, "max": 1},
        "series": [{"type": "bar", "data": [round_half_up(r[1]) for r in rows], "itemStyle": {"color": RED},
                    "label": {"show": True, "position": "top"},
                    "markLine": {"symbol": "none", "data": [{"yAxis": g, "name": "达标线"} for g in lines],
                                 "lineStyle": {"color": "#2c3e50", "type": "dashed"}}}],
    }


def peer_bars(items: list[tuple[str, float | None]]) -> dict[str, Any]:
    """Return horizontal bars comparing totals with averages (missing averages omitted)."""
    shown = [(k, v) for k, v in items if v is not None]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": "3%", "right": "10%", "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 5, "name": "总分"},
        "yAxis": {"type": "category", "data": [k for k, _ in reversed(shown)]},
        "series": [{"type": "bar", "data": [round_half_up(v) for _, v in reversed(shown)], "itemStyle": {"color": RED},
                    "label": {"show": True, "position": "right"}}],
    }
