"""Charts about service vouchers (服务券)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go


def region_bars(rows: Sequence[Mapping[str, Any]], title: str = "各地区服务券发放与使用金额") -> go.Figure:
    """Return grouped bars of granted and used amounts (元) per region, from ``activity_stats`` rows
    (``region``, ``granted_fen``, ``used_fen``, ``granted_count``, ``used_count``), in the given order."""
    regions = [str(r["region"]) for r in rows]
    fig = go.Figure()
    for key, count_key, name, colour in (("granted_fen", "granted_count", "发放金额", "#2980b9"),
                                         ("used_fen", "used_count", "使用金额", "#e67e22")):
        fig.add_bar(x=regions, y=[int(r[key]) / 100 for r in rows], name=name, marker_color=colour,
                    customdata=[int(r[count_key]) for r in rows],
                    hovertemplate="%{x}<br>" + name + "：¥%{y:,.2f}<br>张数：%{customdata}<extra></extra>")
    fig.update_layout(title={"text": title, "x": 0.5}, barmode="group", yaxis_title="金额（元）",
                      legend={"orientation": "h", "y": -0.2}, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      height=360)
    return fig
