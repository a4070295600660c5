"""Dashboard chart builders are pure: option dicts checked without a browser."""
from dataclasses import dataclass, field

import pytest

from charts.stats import ASPECT_SCALE, INSET_ID, choropleth, grouped_bars, heatmap, level_pie, level_stack, radar


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
    assert [d["value"] for d in pie["series"][0]["data"]] == [3, 2, 1, 0, 0, 0]
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
    from services import maps
    opt = choropleth(maps.map_name(None), ROWS, "n", maps.inset_for(None))
    (group,) = opt["graphic"]
    kinds = [c["type"] for c in group["children"]]
    assert kinds.count("polyline") == 10 and kinds.count("circle") >= 20 and kinds.count("polygon") >= 5
    assert choropleth(maps.map_name("320000"), ROWS, "n", maps.inset_for("320000")).get("graphic") is None
