"""Manufacturing = GB/T 4754-2017 section C = divisions 13–43, one rule for every caller."""
from services.reference import manufacturing_divisions
from services.core.rules import MANUFACTURING_DIVISIONS, is_manufacturing, section_of


def test_manufacturing_is_section_c() -> None:
    assert [is_manufacturing(c) for c in ("12", "13", "34", "43", "44", None, "", "3")] == \
        [False, True, True, True, False, False, False, False]
    assert len(MANUFACTURING_DIVISIONS) == 31
    assert {section_of(n.code) for n in manufacturing_divisions()} == {"C"} and len(manufacturing_divisions()) == 31
