"""charts/quality.tier_bars: tiers as bars, 0 named by the below label, ungraded rows left out."""
from charts.quality import tier_bars

LEVELS = ["经验级", "检验级", "保证级", "预防级", "卓越级"]


def test_tier_bars() -> None:
    opt = tier_bars([("总体", 3), ("6.2", 0), ("6.3.9 未评级", None)], LEVELS, "未达到经验级")
    assert opt["yAxis"]["data"] == ["6.2", "总体"]                      # top to bottom as given, None left out
    assert opt["series"][0]["data"] == [{"value": 0, "name": "未达到经验级"}, {"value": 3, "name": "保证级"}]
    assert (opt["xAxis"]["min"], opt["xAxis"]["max"]) == (0, 5)
