"""四舍五入 for people: one helper, half up on the decimal text (Python's round/format are half-even on binary floats)."""
from decimal import Decimal

import pytest

from services.core.numfmt import fmt, half_up, percent, round_half_up, stored


@pytest.mark.parametrize("value, shown", [(0.825, "0.83"), (0.815, "0.82"), (2.675, "2.68"), (0.835, "0.84"),
                                          (1.005, "1.01"), (Decimal("0.8250"), "0.83"), ("0.125", "0.13"),
                                          (0, "0.00"), (-0.825, "-0.83")])
def test_fmt_rounds_half_up(value, shown) -> None:  # type: ignore[no-untyped-def]
    assert fmt(value) == shown


def test_python_would_have_rounded_these_down() -> None:
    assert f"{0.825:.2f}" == "0.82" and round(2.675, 2) == 2.67  # why the helper exists


def test_places_empty_grouping_and_floats() -> None:
    assert fmt(None) == "—" and fmt(None, empty="") == "" and half_up(None) is None
    assert fmt(0.0625, 3) == "0.063" and fmt(12345.675, grouping=True) == "12,345.68"
    assert round_half_up(0.825) == 0.83 and round_half_up(None) is None and round_half_up(0.12345, 4) == 0.1235
    assert half_up(float("nan")) is None


def test_percent_rounds_half_up() -> None:
    assert percent(0.8125) == "81.3%" and percent(0.5) == "50.0%" and percent(None) == "—"
    assert percent(1 / 3) == "33.3%"


def test_scores_are_stored_with_the_same_rule() -> None:
    """Stored scores (four decimals) round half up too: Python's round(Decimal, 4) is half-even."""
    assert stored(Decimal("0.12345")) == Decimal("0.1235") != round(Decimal("0.12345"), 4)
    assert stored(Decimal("0.82465")) == Decimal("0.8247") and str(stored(1)) == "1.0000"
    with pytest.raises(ValueError):
        stored(float("nan"))
