"""Dashboard chart builders are pure: option dicts checked without a browser."""
from dataclasses import dataclass, field

from charts.stats import choropleth, grouped_bars, heatmap, level_pie, level_stack


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
