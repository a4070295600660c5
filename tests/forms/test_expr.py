"""The safe expression language on its own: syntax errors with positions, null rules, functions."""
from decimal import Decimal

import pytest

from services.forms.expr import ExprError, parse, references, run


@pytest.mark.parametrize("src,values,expected", [
    ("1 + 2 * 3", {}, Decimal(7)),
    ("(1 + 2) * 3", {}, Decimal(9)),
    ("0.1 + 0.2 == 0.3", {}, True),                      # exact decimals, no float surprises
    ("${a} / ${b}", {"a": "1", "b": "0"}, None),          # division by zero is unknown, not an error
    ("${a} + 1", {}, None),                              # missing values propagate as unknown
    ("${a} > 1", {}, None),
    ("${a} == ''", {}, True),                            # empty equals empty
    ("${a} != ''", {"a": "x"}, True),
    ("not (${a} > 1)", {"a": "3"}, False),
    ("${a} > 1 or true", {}, True),                      # unknown or true is true
    ("${a} > 1 and false", {}, False),
    ("'b' in ['a', 'b']", {}, True),
    ("2 in [1, 2.0]", {}, True),
    ("selected(${m}, 'x') and count_selected(${m}) == 2", {"m": ["x", "y"]}, True),
    ("sum(${g.v})", {"g": [{"v": "1.5"}, {"v": None}, {"v": 2}]}, Decimal("3.5")),
    ("round(2 / 3, 2)", {}, Decimal("0.67")),
    ("if(${k} == 'a', 'A', 'B')", {"k": "a"}, "A"),
    ("coalesce(${x}, ${y}, 5)", {"y": "3"}, "3"),
    ("regex(${p}, '^1\\d{10}$')", {"p": "13912345678"}, True),
    ("year('2026-02-01') * 100 + month('2026-02')", {}, 202602),
])
def test_values(src: str, values: dict, expected: object) -> None:
    assert run(src, values) == expected


def test_prev_org_and_self() -> None:
    assert run("${x} >= prev(${x})", {"x": 5}, previous={"x": 4}) is True
    assert run("${x} >= prev(${x})", {"x": 5}) is None  # no earlier period: the rule is not applied
    assert run("${org.size} == '小型'", org={"size": "小型"}) is True
    assert run(". >= 0 and . <= 100", current="101") is False


@pytest.mark.parametrize("src,code", [("${a} +", "E_SYNTAX"), ("foo(1)", "E_FUNCTION"), ("round(1, 2, 3)", "E_ARITY"),
                                      ("1 ~ 2", "E_SYNTAX"), ("prev(1)", "E_PREV"), ("", "E_EMPTY"), ("(1", "E_SYNTAX")])
def test_errors_have_codes_and_positions(src: str, code: str) -> None:
    with pytest.raises(ExprError) as err:
        parse(src)
    assert err.value.code == code
    if src:
        assert "个字符处" in str(err.value)


def test_references_and_no_eval() -> None:
    assert references(parse("${a} + prev(${b}) + ${org.size} + .")) == {"a", "b", "org.size"}
    with pytest.raises(ExprError):
        parse("__import__('os')")
