"""Charts for the quality self-assessment (pure: data in, ECharts option out)."""
from __future__ import annotations

from typing import Any

RED = "#c0392b"


def tier_bars(rows: list[tuple[str, int | None]], level_labels: list[str], below_label: str) -> dict[str, Any]:
    """Return horizontal bars of tiers (0 = ``below_label``, 1… = ``level_labels``); None (not graded) is left out."""
    shown = [(name, tier) for name, tier in rows if tier is not None]
    names = [below_label, *level_labels]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 160, "right": 40, "top": 20, "bottom": 30},
        "xAxis": {"type": "value", "min": 0, "max": len(level_labels), "interval": 1,
                  "axisLabel": {"formatter": "{value} 级"}},
        "yAxis": {"type": "category", "data": [n for n, _ in shown][::-1]},
        "series": [{"type": "bar", "data": [{"value": t, "name": names[t]} for _, t in shown][::-1],
                    "itemStyle": {"color": RED},
                    "label": {"show": True, "position": "right", "formatter": "{b}"}}],
    }


def tier_radar(rows: list[tuple[str, int | None]], level_labels: list[str]) -> dict[str, Any]:
    """Return a radar of tiers (e.g. the first-level indicators); None (not graded) counts as 0."""
    return {
        "tooltip": {},
        "radar": {"indicator": [{"name": name, "max": len(level_labels)} for name, _ in rows],
                  "splitNumber": len(level_labels), "radius": "62%"},
        "series": [{"type": "radar", "data": [{"value": [t or 0 for _, t in rows], "name": "等级",
                                               "areaStyle": {"opacity": 0.25}}],
                    "itemStyle": {"color": RED}}],
    }


TIER_COLORS = ["#bdc3c7", "#f5b7b1", "#ec7063", "#e74c3c", "#c0392b", "#7b241c"]


def tier_stack(names: list[str], counts: list[list[int]], tier_labels: list[str], unit: str = "家") -> dict[str, Any]:
    """Return stacked bars of the tier distribution: one bar per name (region / industry), one series per
    tier (``counts[i][t]`` = enterprises of ``names[i]`` at tier t, t = 0 … len(tier_labels) - 1).
    Bars without any enterprise are left out."""
    shown = [(n, c) for n, c in zip(names, counts) if sum(c)]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": list(tier_labels)},
        "color": [TIER_COLORS[t % len(TIER_COLORS)] for t in range(len(tier_labels))],
        "grid": {"left": "3%", "right": "3%", "bottom": 50, "containLabel": True},
        "xAxis": {"type": "category", "data": [n for n, _ in shown], "axisLabel": {"rotate": 30 if len(shown) > 6 else 0}},
        "yAxis": {"type": "value", "name": unit, "minInterval": 1},
        "series": [{"type": "bar", "stack": "tiers", "name": label, "data": [c[t] for _, c in shown]}
                   for t, label in enumerate(tier_labels)],
    }
