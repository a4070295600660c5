"""The enterprise-size ring on 工作台: no zero slices, each size its own colour, clear of title and legend."""
from charts.orgs import PALETTE, size_pie


def test_size_pie_leaves_zero_sizes_out_and_keeps_each_colour() -> None:
    pie = size_pie({"中型": 3, "微型": 7, "大型": 0})
    assert [d["name"] for d in pie["series"][0]["data"]] == ["中型", "微型"]
    assert pie["color"] == [PALETTE[1], PALETTE[3]]  # 中型 stays orange, 微型 green, although 大型 is absent
    series = pie["series"][0]
    assert int(series["radius"][1].rstrip("%")) <= 50 and series["center"] == ["50%", "52%"]
