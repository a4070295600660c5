"""charts/quality.tier_bars: tiers as bars, 0 named by the below label, ungraded rows left out."""
from charts.quality import tier_bars

LEVELS = ["经验级", "检验级", "保证级", "预防级", "卓越级"]


def test_tier_bars() -> None:
    opt = tier_bars([("总体", 3), ("6.2", 0), ("6.3.9 未评级", None)], LEVELS, "未达到经验级")
    assert opt["yAxis"]["data"] == ["6.2", "总体"]                      # top to bottom as given, None left out
    assert opt["series"][0]["data"] == [{"value": 0, "name": "未达到经验级"}, {"value": 3, "name": "保证级"}]
    assert (opt["xAxis"]["min"], opt["xAxis"]["max"]) == (0, 5)


def test_tier_radar() -> None:
    from charts.quality import tier_radar
    opt = tier_radar([("6.2", 5), ("6.3", None), ("6.4", 3)], LEVELS)
    assert [i["max"] for i in opt["radar"]["indicator"]] == [5, 5, 5]
    assert opt["series"][0]["data"][0]["value"] == [5, 0, 3]          # not graded drawn at 0
