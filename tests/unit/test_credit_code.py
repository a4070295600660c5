"""GB 32100-2015 check character."""
import pytest

from services.orgs import credit_code_is_valid
from services.rules import credit_check_char

# Real published codes (company registers).
VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_pass(code: str) -> None:
    assert credit_code_is_valid(code)
    assert credit_code_is_valid(code.lower())


@pytest.mark.parametrize("code", VALID)
def test_any_changed_character_fails(code: str) -> None:
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert not credit_code_is_valid(wrong)
    swapped = code[:5] + code[6] + code[5] + code[7:]
    if swapped != code:
        assert not credit_code_is_valid(swapped)


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100M00010OY43",
                                  "91350100I000100Y43", "91AB0100M000100Y43", None])
def test_malformed_codes_fail(code) -> None:  # type: ignore[no-untyped-def]
    assert not credit_code_is_valid(code)


def test_check_character_zero_case() -> None:
    # A body whose weighted sum is a multiple of 31 has check character "0", not 31.
    from services.rules import CREDIT_CHARSET, CREDIT_WEIGHTS
    body = "9111000000000000"
    for c in CREDIT_CHARSET:
        candidate = body + c
        total = sum(CREDIT_CHARSET.index(x) * w for x, w in zip(candidate, CREDIT_WEIGHTS))
        if total % 31 == 0:
            assert credit_check_char(candidate) == "0"
            assert credit_code_is_valid(candidate + "0")
            return
    pytest.fail("no body with sum divisible by 31 found")
