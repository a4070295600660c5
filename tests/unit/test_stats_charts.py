"""Dashboard chart builders are pure: option dicts checked without a browser."""
import json
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest

from charts.stats import (ASPECT_SCALE, INSET_ID, JS_MARK, choropleth, grouped_bars, heatmap, level_pie, level_stack,
                          palette, radar)


@dataclass
class R:
    code: str
    name: str
    n: int
    average: float | None
    levels: list[int]
    domains: list[float | None] = field(default_factory=lambda: [0.5] * 12)

    @property
    def share_l2_plus(self) -> float | None:
        return sum(self.levels[2:]) / self.n if self.n else None


ROWS = [R("320100", "南京市", 4, 1.9, [1, 1, 1, 1, 0, 0]), R("320200", "无锡市", 0, None, [0] * 6),
        R("320500", "苏州市", 2, 3.0, [0, 0, 0, 2, 0, 0], [0.9] * 12)]


def test_choropleth_keyed_by_adcode_with_visual_map_range() -> None:
    opt = choropleth("huiqi_320000", ROWS, "share_l2_plus")
    series = opt["series"][0]
    assert series["map"] == "huiqi_320000" and series["nameProperty"] == "adcode"
    assert [d["name"] for d in series["data"]] == ["320100", "320200", "320500"]
    assert [d["value"] for d in series["data"]] == [0.5, None, 1.0]
    assert opt["visualMap"]["min"] == 0 and opt["visualMap"]["max"] == 1.0
    assert choropleth("m", ROWS, "n")["visualMap"]["max"] == 4


def test_level_charts() -> None:
    pie = level_pie([3, 2, 1, 0, 0, 0])
    assert [d["value"] for d in pie["series"][0]["data"]] == [3, 2, 1]
    stack = level_stack(ROWS)
    assert stack["xAxis"]["data"] == ["南京市", "苏州市"]  # regions without data are left out
    assert stack["series"][3]["data"] == [25.0, 100.0]


def test_bars_and_heatmap_shapes() -> None:
    labels = [f"域{i}" for i in range(12)]
    bars = grouped_bars(ROWS, labels)
    assert [s["name"] for s in bars["series"]] == ["南京市", "苏州市"] and len(bars["series"][1]["data"]) == 12
    heat = heatmap(ROWS, labels)
    assert heat["yAxis"]["data"] == ["南京市", "苏州市"] and len(heat["series"][0]["data"]) == 24
    assert [1, 1, 0.9] in heat["series"][0]["data"]


def test_radar_has_one_outline_per_row_with_data() -> None:
    labels = [f"域{i}" for i in range(12)]
    rows = ROWS + [R("320600", "南通市", 1, 2.0, [0, 0, 1, 0, 0, 0], [None] + [0.25] * 11)]
    option = radar(rows, labels)
    assert [i["name"] for i in option["radar"]["indicator"]] == labels
    assert all(i["max"] == 1 for i in option["radar"]["indicator"])
    data = option["series"][0]["data"]
    assert [d["name"] for d in data] == ["南京市", "苏州市", "南通市"]   # 无锡市 has no diagnoses
    assert data[1]["value"] == [0.9] * 12 and data[2]["value"][:2] == [0, 0.25]


def test_choropleth_draws_the_south_china_sea_inset_only_when_given() -> None:
    assert "graphic" not in choropleth("huiqi_320000", ROWS)
    inset = {"box": [106.0, 1.5, 123.5, 25.0],
             "land": [[[108.0, 25.0], [110.0, 20.0], [111.0, 20.0], [112.0, 25.0]]],
             "islands": [[[112.0, 16.0], [112.1, 16.0], [112.1, 16.1]],
                         [[112.01, 16.01], [112.1, 16.05], [112.0, 16.1]],
                         [[112.2, 3.9], [112.3, 3.9], [112.3, 4.0]]],
             "line": [[[108.2, 7.1], [108.3, 6.0]], [[111.8, 3.4], [112.8, 3.7]]]}
    opt = choropleth("huiqi_100000", ROWS, "n", inset)
    (group,) = opt["graphic"]
    assert group["id"] == INSET_ID and group["type"] == "group"
    assert group["right"] > 0 and group["bottom"] > 0 and group["silent"] is True  # lower right, no clicks
    kinds = [c["type"] for c in group["children"]]
    frame = group["children"][0]
    assert frame["type"] == "rect" and frame["style"]["stroke"]  # the bordered box
    width, height = frame["shape"]["width"], frame["shape"]["height"]
    assert width / height == pytest.approx(17.5 * ASPECT_SCALE / 23.5, abs=0.01)
    assert kinds.count("polyline") == 2 and kinds.count("polygon") == 1
    assert kinds.count("circle") == 2  # islands within one pixel of each other become one dot
    assert any(c["type"] == "text" and c["style"]["text"] == "南海诸岛" for c in group["children"])
    points = [p for c in group["children"] if c["type"] in ("polygon", "polyline") for p in c["shape"]["points"]]
    assert all(0 <= x <= width and 0 <= y <= height for x, y in points)
    top_left_of_coast = group["children"][1]["shape"]["points"][0]
    assert top_left_of_coast == [round(2.0 * height / 23.5 * ASPECT_SCALE, 1), 0.0]  # 108°E on the top edge


def test_national_map_option_has_the_inset_from_the_shipped_data() -> None:
    from services.reference import maps
    opt = choropleth(maps.map_name(None), ROWS, "n", maps.inset_for(None))
    (group,) = opt["graphic"]
    kinds = [c["type"] for c in group["children"]]
    assert kinds.count("polyline") == 10 and kinds.count("circle") >= 20 and kinds.count("polygon") >= 5
    assert choropleth(maps.map_name("320000"), ROWS, "n", maps.inset_for("320000")).get("graphic") is None


def test_map_tooltip_and_highlight_name_the_region_not_its_adcode() -> None:
    opt = choropleth("huiqi_320000", ROWS, "n")
    tooltip = opt["tooltip"]["formatter"]
    label = opt["series"][0]["emphasis"]["label"]["formatter"]
    for js in (tooltip, label):  # JavaScript functions (streamlit_echarts' JsCode mark), not "{b}" (= the adcode)
        assert js.startswith(JS_MARK + "function(p)") and js.endswith(JS_MARK) and "{b}" not in js
        assert '"320100": "南京市"' in js and "d.region" in js
    assert "d.text" in tooltip
    assert [d["region"] for d in opt["series"][0]["data"]] == ["南京市", "无锡市", "苏州市"]
    assert [d["text"] for d in opt["series"][0]["data"]] == ["4 家", "0 家", "2 家"]
    shares = choropleth("m", ROWS, "share_l2_plus")["series"][0]["data"]
    assert [d["text"] for d in shares] == ["50.0%", "无数据", "100.0%"]


def test_grouped_bars_show_every_series_in_distinct_colours() -> None:
    labels = [f"域{i}" for i in range(12)]
    rows = [R(f"32{i:02d}00", f"市{i}", i + 1, 2.0, [0, i + 1, 0, 0, 0, 0]) for i in range(31)]
    bars = grouped_bars(rows, labels)
    assert [s["name"] for s in bars["series"]] == [r.name for r in rows]  # 13th (宿迁市) and beyond kept
    assert len(bars["color"]) == 31 and len(set(bars["color"])) == 31
    assert len(set(palette(60))) == 60 and all(c.startswith("#") and len(c) == 7 for c in palette(60))


def test_level_pie_leaves_zero_slices_out_but_names_them() -> None:
    pie = level_pie([0, 5, 0, 2, 0, 0], "江苏省 等级分布")
    data = pie["series"][0]["data"]
    assert [d["name"] for d in data] == ["一级", "三级"] and all(d["value"] > 0 for d in data)
    assert pie["legend"]["data"] == ["一级", "三级"]
    assert pie["title"]["subtext"] == "未达一级、二级、四级、五级：0 家"
    assert [d["itemStyle"]["color"] for d in data] == ["#f5b7b1", "#cb4335"]  # each level keeps its colour
    series = pie["series"][0]
    assert series["center"][1] == "54%" and int(series["radius"][1].rstrip("%")) <= 50  # clear of title and legend
    empty = level_pie([0] * 6)
    assert empty["series"][0]["data"] == [] and empty["title"]["subtext"] == "暂无诊断数据"


def test_no_none_or_nan_reaches_a_chart() -> None:
    labels = [f"域{i}" for i in range(12)]
    rows = ROWS + [R("321300", "宿迁市", 0, None, [0] * 6, [None] * 12)]
    for option in (choropleth("m", rows, "average"), grouped_bars(rows, labels), heatmap(rows, labels),
                   radar(rows, labels), level_stack(rows), level_pie([0] * 6)):
        text = json.dumps(option, ensure_ascii=False)
        assert "None" not in text and "NaN" not in text


def test_scores_in_charts_round_half_up() -> None:
    rows = [R("320100", "南京市", 4, 0.825, [1, 1, 1, 1, 0, 0], [0.0625] * 12)]
    assert choropleth("m", rows, "average")["series"][0]["data"][0]["average"] == 0.83
    assert grouped_bars(rows, [f"域{i}" for i in range(12)])["series"][0]["data"][0] == 0.063


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the formatter")
def test_map_formatters_evaluate_to_the_region_name() -> None:
    """Run the formatters as streamlit_echarts does (``new Function("return (" + code + ")")``)."""
    opt = choropleth("huiqi_320000", ROWS, "n")
    code = {"tooltip": opt["tooltip"]["formatter"], "label": opt["series"][0]["emphasis"]["label"]["formatter"]}
    script = "const f = s => new Function('\"use strict\"; return (' + s.split(%s)[1] + ')')();" % json.dumps(JS_MARK)
    script += "const c = %s; const d = %s;" % (json.dumps(code), json.dumps(opt["series"][0]["data"][0]))
    script += ("console.log(JSON.stringify([f(c.tooltip)({name: '320100', data: d, value: 4, seriesName: '企业数'}),"
               "f(c.label)({name: '320100', data: d}), f(c.tooltip)({name: '320200', seriesName: '企业数'})]));")
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert out == ["南京市<br/>企业数：4 家", "南京市", "无锡市<br/>企业数：无数据"]
