"""Charts for questionnaire results."""
from __future__ import annotations

from typing import Any


def option_bar(labels: list[str], counts: list[int], title: str = "") -> dict[str, Any]:
    """Return a horizontal ECharts bar of option counts (first option on top)."""
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": "3%", "right": "12%", "bottom": "3%", "containLabel": True},
        "xAxis": {"type": "value", "name": "家数", "minInterval": 1},
        "yAxis": {"type": "category", "data": list(reversed(labels))},
        "series": [{"type": "bar", "data": list(reversed(counts)), "itemStyle": {"color": "#c0392b"},
                    "label": {"show": True, "position": "right"}}],
    }
