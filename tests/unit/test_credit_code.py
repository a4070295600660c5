"""GB 32100-2015 check character."""
import pytest

from services.orgs import credit_code_is_valid
from services.core.rules import credit_check_char

# Real published codes (company registers).
VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T", "91110000600037341L"]


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
    from services.core.rules import CREDIT_CHARSET, CREDIT_WEIGHTS, credit_code_for
    for a in CREDIT_CHARSET:
        for b in CREDIT_CHARSET:
            code = credit_code_for("110000", f"000000{a}{b}")
            if sum(CREDIT_CHARSET.index(x) * w for x, w in zip(code[:17], CREDIT_WEIGHTS)) % 31 == 0:
                assert credit_check_char(code[:17]) == "0" and code[17] == "0"
                assert credit_code_is_valid(code)
                return
    pytest.fail("no body with sum divisible by 31 found")


@pytest.mark.parametrize("code", [
    "000000000000000000",   # all zeros: its check character is right, but no department 0 / category 0 exists
    "01110000600037341X",   # registration department 0
    "90110000600037341P",   # institution category 0
    "91110000600037342P",   # organisation code check character wrong (the overall check character recomputed)
])
def test_codes_with_a_right_check_character_but_invalid_parts_fail(code: str) -> None:
    assert credit_check_char(code[:17]) == code[17]  # each passes the GB 32100 check character alone
    assert not credit_code_is_valid(code)


def test_generated_codes_are_valid() -> None:
    from services.core.demo import make_credit_code
    import random
    rng = random.Random(7)
    assert all(credit_code_is_valid(make_credit_code(rng, "320102")) for _ in range(200))
