"""Dashboard charts: pure builders from statistics rows to ECharts options (no Streamlit, no DB)."""
from __future__ import annotations

import colorsys
import json
from collections.abc import Sequence
from typing import Any, Protocol

from services.core.numfmt import fmt, percent, round_half_up

RED = "#c0392b"
LEVEL_NAMES = ["未达一级", "一级", "二级", "三级", "四级", "五级"]
LEVEL_COLORS = ["#bdc3c7", "#f5b7b1", "#ec7063", "#cb4335", "#943126", "#641e16"]
MEASURES = {"n": "企业数", "average": "平均总分", "share_l2_plus": "二级及以上占比"}
ASPECT_SCALE = 0.75  # ECharts' default for GeoJSON maps: on screen, 1° of longitude = 0.75 × 1° of latitude
INSET_ID = "south_sea_inset"
JS_MARK = "--x_x--0_0--"  # streamlit_echarts evaluates a string wrapped in this mark as JavaScript (its JsCode)
# Distinct, readable series colours; ``palette`` extends them for more series than listed.
BASE_COLORS = ["#c0392b", "#2980b9", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#d35400", "#2c3e50",
               "#e84393", "#7f8c8d", "#6ab04c", "#0984e3"]


class RowLike(Protocol):
    code: str
    name: str
    n: int
    average: float | None
    levels: list[int]
    domains: list[float | None]

    @property
    def share_l2_plus(self) -> float | None: ...


def js(code: str) -> str:
    """Return ``code`` (a JavaScript function) marked for streamlit_echarts to evaluate."""
    return f"{JS_MARK}{code}{JS_MARK}"


def palette(n: int) -> list[str]:
    """Return ``n`` distinct colours: the base colours, then golden-angle hues in two lightnesses."""
    colors = BASE_COLORS[:n]
    k = 0
    while len(colors) < n:
        hue = (0.07 + k * 0.618033988749895) % 1.0
        r, g, b = colorsys.hls_to_rgb(hue, 0.38 if k % 2 else 0.55, 0.62)
        color = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
        if color not in colors:
            colors.append(color)
        k += 1
    return colors


def measure_value(row: RowLike, measure: str) -> float | None:
    """Return one row's value of a measure ("n", "average", "share_l2_plus")."""
    return round_half_up(getattr(row, measure), 4)


def measure_text(row: RowLike, measure: str) -> str:
    """Return one row's value of a measure as people read it ("无数据" without data)."""
    value = getattr(row, measure)
    if measure == "share_l2_plus":
        return percent(value, empty="无数据")
    return fmt(value, empty="无数据") if measure == "average" else f"{value or 0:,} 家"


def choropleth(map_name: str, rows: Sequence[RowLike], measure: str = "n",
               inset: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a map series keyed by adcode (GeoJSON features carry ``properties.adcode``).

    The tooltip and the highlighted label show the region's name, never its adcode.
    ``inset`` (``services.reference.maps.inset_for``, the national map only) adds the 南海诸岛 inset box.
    """
    data = [{"name": r.code, "value": measure_value(r, measure), "region": r.name, "n": r.n,
             "average": round_half_up(r.average), "text": measure_text(r, measure)} for r in rows]
    values = [d["value"] for d in data if d["value"] is not None]
    high = max(values) if values else 1
    names = json.dumps({r.code: r.name for r in rows}, ensure_ascii=False)
    region_name = f"var names={names};var d=p.data||{{}};var name=d.region||names[p.name]||p.name;"
    return {
        "tooltip": {"trigger": "item", "formatter": js(
            f"function(p){{{region_name}return name+'<br/>'+p.seriesName+'：'+(d.text||'无数据');}}")},
        "visualMap": {"min": 0, "max": high or 1, "left": "left", "bottom": 10, "calculable": True,
                      "text": ["高", "低"], "inRange": {"color": ["#fdf2f0", "#f1948a", RED, "#78281f"]}},
        "series": [{"type": "map", "map": map_name, "nameProperty": "adcode", "roam": True,
                    "label": {"show": False},
                    "emphasis": {"label": {"show": True, "formatter": js(f"function(p){{{region_name}return name;}}")}},
                    "select": {"disabled": True}, "data": data, "name": MEASURES.get(measure, measure)}],
        **({"graphic": [south_sea_inset(inset)]} if inset else {}),
    }


def south_sea_inset(inset: dict[str, Any], height: int = 150, margin: int = 10) -> dict[str, Any]:
    """Return the 南海诸岛 inset as an ECharts graphic group: a bordered box at the lower right.

    ``inset`` holds rings and polylines in degrees and the window ``box``; they are projected as
    the map is (plate carrée, ``ASPECT_SCALE``) to a box ``height`` px high. Fixed on the canvas and
    silent: it neither zooms with the main map nor takes clicks.
    """
    lon0, lat0, lon1, lat1 = inset["box"]
    k = height / (lat1 - lat0)
    width = round((lon1 - lon0) * k * ASPECT_SCALE, 1)

    def px(ring: Sequence[Sequence[float]], step: float = 0.6) -> list[list[float]]:
        out: list[list[float]] = []
        for lon, lat in ring:
            p = [round((lon - lon0) * k * ASPECT_SCALE, 1), round((lat1 - lat) * k, 1)]
            if not out or abs(p[0] - out[-1][0]) + abs(p[1] - out[-1][1]) >= step:
                out.append(p)
        return out

    land = [pts for pts in (px(r) for r in inset["land"]) if len(pts) >= 3]
    dots = sorted({(round(sum(p[0] for p in r) / len(r)), round(sum(p[1] for p in r) / len(r)))
                   for r in (px(r, 0) for r in inset["islands"])})
    edge = {"stroke": "#7f8c8d", "lineWidth": 0.5}
    children: list[dict[str, Any]] = [
        {"type": "rect", "shape": {"x": 0, "y": 0, "width": width, "height": height},
         "style": {"fill": "#ffffff", "stroke": "#5d6d7e", "lineWidth": 1}},
        *({"type": "polygon", "shape": {"points": pts}, "style": {"fill": "#f4f6f7", **edge}} for pts in land),
        *({"type": "circle", "shape": {"cx": x, "cy": y, "r": 0.7}, "style": {"fill": "#5d6d7e"}} for x, y in dots),
        *({"type": "polyline", "shape": {"points": px(d, 0)}, "style": {"stroke": "#5d6d7e", "lineWidth": 1.2}}
          for d in inset["line"]),
        {"type": "text", "style": {"text": "南海诸岛", "x": width - 4, "y": height - 4, "fontSize": 11,
                                   "fill": "#2c3e50", "textAlign": "right", "textVerticalAlign": "bottom"}},
    ]
    return {"type": "group", "id": INSET_ID, "right": margin, "bottom": margin, "silent": True, "z": 10,
            "children": children}


def level_pie(levels: Sequence[int], title: str = "等级分布") -> dict[str, Any]:
    """Return a ring of counts per maturity level (0 = below level 1).

    Levels nobody reached are left out of the ring and its legend (zero slices would pile their
    labels on one spot) and named in the subtitle with their count, 0. The ring sits between the
    title and the legend, its labels clear of both."""
    shown = [(k, name, int(v)) for k, (name, v) in enumerate(zip(LEVEL_NAMES, levels)) if v]
    empty = [name for name, v in zip(LEVEL_NAMES, levels) if not v]
    subtext = ("、".join(empty) + "：0 家") if shown and empty else ("" if shown else "暂无诊断数据")
    return {
        "title": {"text": title, "subtext": subtext, "left": "center", "top": 0, "itemGap": 4,
                  "textStyle": {"fontSize": 13}, "subtextStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 家（{d}%）"},
        "legend": {"type": "scroll", "bottom": 0, "data": [name for _, name, _ in shown]},
        "series": [{"type": "pie", "radius": ["28%", "48%"], "center": ["50%", "54%"], "avoidLabelOverlap": True,
                    "label": {"formatter": "{b}\n{c} 家", "fontSize": 11}, "labelLine": {"length": 6, "length2": 6},
                    "data": [{"name": name, "value": v, "itemStyle": {"color": LEVEL_COLORS[k]}}
                             for k, name, v in shown]}],
    }


def grouped_bars(rows: Sequence[RowLike], labels: Sequence[str], pick: str = "domains") -> dict[str, Any]:
    """Return bars of average scores per capability (x), one series per region/industry with data —
    every one of them, each in its own colour."""
    shown = [r for r in rows if r.n]
    return {
        "color": palette(len(shown)),
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": "3%", "right": "3%", "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": list(labels), "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "min": 0, "max": 1, "name": "平均得分"},
        "series": [{"type": "bar", "name": r.name,
                    "data": [round_half_up(v, 3) for v in getattr(r, pick)]} for r in shown],
    }


def radar(rows: Sequence[RowLike], labels: Sequence[str], pick: str = "domains") -> dict[str, Any]:
    """Return a radar of average scores per capability, one outline per region/industry (those with
    data; a capability nobody was scored on shows at 0 and says so in the tooltip)."""
    shown = [r for r in rows if r.n]
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"type": "scroll", "bottom": 0},
        "radar": {"indicator": [{"name": label, "min": 0, "max": 1} for label in labels], "radius": "65%",
                  "axisName": {"color": "#555"}},
        "series": [{"type": "radar", "symbolSize": 4, "areaStyle": {"opacity": 0.08}, "data": [
            {"name": r.name, "value": [0 if v is None else round_half_up(v, 3) for v in getattr(r, pick)]} for r in shown]}],
    }


def heatmap(rows: Sequence[RowLike], labels: Sequence[str], pick: str = "domains") -> dict[str, Any]:
    """Return a regions × capabilities heat map of average scores."""
    shown = [r for r in rows if r.n]
    data = [[j, i, round_half_up(v, 3)] for i, r in enumerate(shown)
            for j, v in enumerate(getattr(r, pick))]
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 120, "right": 20, "bottom": 90, "top": 10},
        "xAxis": {"type": "category", "data": list(labels), "axisLabel": {"rotate": 40}, "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": [r.name for r in shown], "splitArea": {"show": True}},
        "visualMap": {"min": 0, "max": 1, "calculable": True, "orient": "horizontal", "left": "center", "bottom": 0,
                      "inRange": {"color": ["#fdf2f0", "#f1948a", RED, "#78281f"]}},
        "series": [{"type": "heatmap", "data": data, "label": {"show": len(shown) * len(labels) <= 240}}],
    }


def level_stack(rows: Sequence[RowLike]) -> dict[str, Any]:
    """Return 100%-stacked bars of the level distribution per region/industry."""
    shown = [r for r in rows if r.n]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "color": LEVEL_COLORS,
        "grid": {"left": "3%", "right": "3%", "bottom": 50, "containLabel": True},
        "xAxis": {"type": "category", "data": [r.name for r in shown], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [{"type": "bar", "stack": "levels", "name": name,
                    "data": [round_half_up(100 * r.levels[k] / r.n, 1) for r in shown]} for k, name in enumerate(LEVEL_NAMES)],
    }
