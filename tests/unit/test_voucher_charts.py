"""The voucher statistics chart: grouped bars of granted and used amounts (元) per region."""
from __future__ import annotations

from charts.vouchers import region_bars


def test_region_bars_in_yuan_in_the_given_order() -> None:
    rows = [{"region": "山东省", "granted_count": 3, "granted_fen": 300_000, "used_fen": 150_050, "used_count": 2},
            {"region": "江苏省", "granted_count": 1, "granted_fen": 100_000, "used_fen": 0, "used_count": 0}]
    fig = region_bars(rows)
    granted, used = fig.data
    assert (granted.name, used.name) == ("发放金额", "使用金额")
    assert list(granted.x) == ["山东省", "江苏省"]
    assert list(granted.y) == [3000.0, 1000.0] and list(used.y) == [1500.5, 0.0]
    assert list(used.customdata) == [2, 0]
    assert fig.layout.barmode == "group"


def test_region_bars_without_rows_is_an_empty_chart() -> None:
    fig = region_bars([])
    assert [list(t.x) for t in fig.data] == [[], []]
