"""Charts about organisations."""
from __future__ import annotations

from typing import Any

SIZE_ORDER = ["大型", "中型", "小型", "微型"]
PALETTE = ["#c0392b", "#e67e22", "#2980b9", "#27ae60"]


def size_pie(counts: dict[str, int], title: str = "企业规模分布") -> dict[str, Any]:
    """Return an ECharts ring chart of enterprise counts by size (大型/中型/小型/微型 order)."""
    data = [{"name": s, "value": int(counts.get(s, 0))} for s in SIZE_ORDER if counts.get(s, 0)]
    return {
        "title": {"text": title, "left": "center", "top": 0, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 家（{d}%）"},
        "legend": {"bottom": 0},
        "color": [PALETTE[i] for i, s in enumerate(SIZE_ORDER) if counts.get(s, 0)],  # each size keeps its colour
        "series": [{"type": "pie", "radius": ["30%", "50%"], "center": ["50%", "52%"], "avoidLabelOverlap": True,
                    "data": data, "label": {"formatter": "{b}\n{c}"}, "labelLine": {"length": 6, "length2": 6}}],
    }
