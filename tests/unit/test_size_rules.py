"""SME size classification (工信部联企业〔2011〕300号, NBS 2017 large thresholds) at its boundaries."""
import pytest

from services.orgs import classify_size

CASES = [
    # industry: both X and Y, smallest class wins
    ("C34", dict(employees=1500, revenue=200), "微型"),
    ("34", dict(employees=1000, revenue=40000), "大型"),
    ("3411", dict(employees=999, revenue=40000), "中型"),
    ("C", dict(employees=300, revenue=2000), "中型"),
    ("13", dict(employees=299, revenue=2000), "小型"),
    ("06", dict(employees=20, revenue=300), "小型"),
    ("44", dict(employees=19, revenue=300), "微型"),
    ("44", dict(employees=20, revenue=299.99), "微型"),
    # agriculture: revenue only
    ("A", dict(revenue=20000), "大型"), ("01", dict(revenue=500), "中型"), ("01", dict(revenue=50), "小型"),
    ("01", dict(revenue=49.9), "微型"),
    # construction: revenue and assets
    ("E", dict(revenue=80000, assets=80000), "大型"), ("47", dict(revenue=80000, assets=79999), "中型"),
    ("48", dict(revenue=6000, assets=5000), "中型"), ("48", dict(revenue=300, assets=300), "小型"),
    ("48", dict(revenue=300, assets=299), "微型"),
    # wholesale / retail
    ("51", dict(employees=200, revenue=40000), "大型"), ("51", dict(employees=20, revenue=5000), "中型"),
    ("51", dict(employees=5, revenue=1000), "小型"), ("51", dict(employees=4, revenue=1000), "微型"),
    ("52", dict(employees=300, revenue=20000), "大型"), ("52", dict(employees=50, revenue=500), "中型"),
    ("52", dict(employees=10, revenue=100), "小型"), ("52", dict(employees=10, revenue=99), "微型"),
    # transport (not railway 53), warehousing, postal
    ("54", dict(employees=1000, revenue=30000), "大型"), ("58", dict(employees=300, revenue=3000), "中型"),
    ("53", dict(employees=300), "大型"),
    ("59", dict(employees=100, revenue=1000), "中型"), ("59", dict(employees=99, revenue=1000), "小型"),
    ("59", dict(employees=20, revenue=100), "小型"), ("59", dict(employees=19, revenue=100), "微型"),
    ("60", dict(employees=300, revenue=2000), "中型"), ("60", dict(employees=20, revenue=99), "微型"),
    # accommodation, catering
    ("61", dict(employees=300, revenue=10000), "大型"), ("62", dict(employees=100, revenue=2000), "中型"),
    ("62", dict(employees=10, revenue=100), "小型"),
    # information transmission: 中型 from 100 people and 1000 万元
    ("63", dict(employees=2000, revenue=100000), "大型"), ("64", dict(employees=100, revenue=1000), "中型"),
    ("63", dict(employees=99, revenue=1000), "小型"), ("63", dict(employees=10, revenue=99), "微型"),
    # software
    ("65", dict(employees=300, revenue=10000), "大型"), ("65", dict(employees=10, revenue=50), "小型"),
    ("65", dict(employees=9, revenue=50), "微型"),
    # real estate development 7010, property management 702
    ("7010", dict(revenue=200000, assets=10000), "大型"), ("701", dict(revenue=1000, assets=5000), "中型"),
    ("7010", dict(revenue=100, assets=2000), "小型"), ("7010", dict(revenue=100, assets=1999), "微型"),
    ("7020", dict(employees=1000, revenue=5000), "大型"), ("702", dict(employees=100, revenue=500), "小型"),
    ("702", dict(employees=99, revenue=500), "微型"),
    # leasing and business services: employees and assets
    ("L", dict(employees=300, assets=120000), "大型"), ("72", dict(employees=100, assets=8000), "中型"),
    ("71", dict(employees=10, assets=100), "小型"), ("71", dict(employees=10, assets=99), "微型"),
    # others: employees only
    ("M", dict(employees=300), "大型"), ("75", dict(employees=100), "中型"), ("Q", dict(employees=10), "小型"),
    ("O", dict(employees=9), "微型"), ("7030", dict(employees=150), "中型"),
]


@pytest.mark.parametrize("code,values,expected", CASES)
def test_boundaries(code: str, values: dict, expected: str) -> None:
    assert classify_size(code, **values) == expected


@pytest.mark.parametrize("code,values,missing", [
    ("C34", dict(employees=100), "营业收入"), ("E", dict(revenue=100), "资产总额"),
    ("51", dict(revenue=100), "从业人员"), ("L", dict(employees=20), "资产总额"),
])
def test_missing_indicator_names_it(code: str, values: dict, missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        classify_size(code, **values)


@pytest.mark.parametrize("code", ["F", "G", "70", "", "XX", "99"])
def test_ambiguous_or_unknown_industry(code: str) -> None:
    with pytest.raises(ValueError):
        classify_size(code, employees=10, revenue=10, assets=10)


def test_negative_rejected() -> None:
    with pytest.raises(ValueError, match="负数"):
        classify_size("C", employees=-1, revenue=10)
