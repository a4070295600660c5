"""Pure rules shared by forms, imports and services: credit codes, SME size, phone numbers.

Sources: GB 32100-2015 (unified social credit code); 工信部联企业〔2011〕300号 with the NBS
2017 统计上大中小微型企业划分办法 (size thresholds, see shared/notes/standards.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# --- GB 32100-2015 unified social credit code --------------------------------------------
# 登记管理部门代码 (1) + 机构类别代码 (1) + 登记管理机关行政区划码 (6) + 主体标识码 = the GB 11714
# organisation code (8 + its own check character) + the check character over the first 17.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration departments: 1 机构编制 … 9 工商 (numbered in GB 32100 and after it), A 中央军委改革和编制办公室,
# N 农业, Y 其他; an institution category is a digit 1–9. So an all-zero code is refused whatever its check.
REGISTRATION_DEPARTMENTS = "123456789ANY"
ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 character values (A = 10 … Z = 35)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character of an organisation code's first 8 characters."""
    c = 11 - sum(ORG_CODE_CHARSET.index(ch) * w for ch, w in zip(first8, ORG_CODE_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def credit_code_for(region_code: str, serial: str, prefix: str = "91") -> str:
    """Return the valid code of an organisation registered in ``region_code`` whose organisation code
    starts with the 8 characters ``serial`` (``prefix`` 91 = 工商 · 企业); used by demo data and tests."""
    body = prefix + region_code + serial + org_code_check_char(serial)
    return body + credit_check_char(body)


def credit_code_is_valid(code: str) -> bool:
    """Return True if ``code`` is an 18-character code with a known registration department and
    institution category, a 6-digit region, a valid organisation code and the right check character."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    code = code.upper()
    if any(c not in CREDIT_CHARSET for c in code):
        return False
    if code[0] not in REGISTRATION_DEPARTMENTS or code[1] not in "123456789":
        return False
    if not code[2:8].isdigit():  # registration authority's region code
        return False
    if org_code_check_char(code[8:16]) != code[16]:
        return False
    return credit_check_char(code[:17]) == code[17]


# --- SME size classification -------------------------------------------------------------
LARGE, MEDIUM, SMALL, MICRO = "大型", "中型", "小型", "微型"
_ORDER = [LARGE, MEDIUM, SMALL, MICRO]
X, Y, Z = "employees", "revenue", "assets"
INDICATOR_LABEL = {X: "从业人员", Y: "营业收入", Z: "资产总额"}


@dataclass(frozen=True)
class SizeRule:
    name: str
    bounds: dict[str, tuple[float, float, float]]  # indicator -> (large, medium, small) lower bounds


def _r(name: str, **bounds: tuple[float, float, float]) -> SizeRule:
    return SizeRule(name, bounds)


RULES = {
    "agri": _r("农、林、牧、渔业", revenue=(20000, 500, 50)),
    "industry": _r("工业", employees=(1000, 300, 20), revenue=(40000, 2000, 300)),
    "construction": _r("建筑业", revenue=(80000, 6000, 300), assets=(80000, 5000, 300)),
    "wholesale": _r("批发业", employees=(200, 20, 5), revenue=(40000, 5000, 1000)),
    "retail": _r("零售业", employees=(300, 50, 10), revenue=(20000, 500, 100)),
    "transport": _r("交通运输业", employees=(1000, 300, 20), revenue=(30000, 3000, 200)),
    "warehousing": _r("仓储业", employees=(200, 100, 20), revenue=(30000, 1000, 100)),
    "postal": _r("邮政业", employees=(1000, 300, 20), revenue=(30000, 2000, 100)),
    "accommodation": _r("住宿业", employees=(300, 100, 10), revenue=(10000, 2000, 100)),
    "catering": _r("餐饮业", employees=(300, 100, 10), revenue=(10000, 2000, 100)),
    "telecom": _r("信息传输业", employees=(2000, 100, 10), revenue=(100000, 1000, 100)),
    "software": _r("软件和信息技术服务业", employees=(300, 100, 10), revenue=(10000, 1000, 50)),
    "realestate": _r("房地产开发经营", revenue=(200000, 1000, 100), assets=(10000, 5000, 2000)),
    "property": _r("物业管理", employees=(1000, 300, 100), revenue=(5000, 1000, 500)),
    "leasing": _r("租赁和商务服务业", employees=(300, 100, 10), assets=(120000, 8000, 100)),
    "other": _r("其他未列明行业", employees=(300, 100, 10)),
}

# GB/T 4754-2017 divisions (大类) by section (门类).
SECTION_DIVISIONS = {
    "A": range(1, 6), "B": range(6, 13), "C": range(13, 44), "D": range(44, 47), "E": range(47, 51),
    "F": range(51, 53), "G": range(53, 61), "H": range(61, 63), "I": range(63, 66), "J": range(66, 70),
    "K": range(70, 71), "L": range(71, 73), "M": range(73, 76), "N": range(76, 80), "O": range(80, 83),
    "P": range(83, 84), "Q": range(84, 86), "R": range(86, 91), "S": range(91, 97), "T": range(97, 98),
}
# Manufacturing (制造业) = section C = divisions 13–43: written here once.
MANUFACTURING_DIVISIONS = tuple(f"{d:02d}" for d in SECTION_DIVISIONS["C"])


def is_manufacturing(division_code: str | None) -> bool:
    """True for a manufacturing 大类 (13–43)."""
    return division_code in MANUFACTURING_DIVISIONS


def normalise_industry_code(code: str) -> str:
    """Return the bare code: "C34" -> "34", " c " -> "C" (a letter prefix before digits is dropped)."""
    code = (code or "").strip().upper()
    if len(code) > 1 and code[0].isalpha() and code[1:].isdigit():
        code = code[1:]
    return code


def section_of(code: str) -> str:
    """Return the section letter of a GB/T 4754 code at any level (``ValueError`` if unknown)."""
    code = normalise_industry_code(code)
    if len(code) == 1 and code in SECTION_DIVISIONS:
        return code
    if code[:2].isdigit() and len(code) in (2, 3, 4) and code.isdigit():
        div = int(code[:2])
        for letter, divs in SECTION_DIVISIONS.items():
            if div in divs:
                return letter
    raise ValueError(f"所属行业代码「{code}」不是有效的国民经济行业分类（GB/T 4754-2017）代码。")


def size_rule_for(industry_code: str) -> SizeRule:
    """Return the size rule that applies to ``industry_code`` (any GB/T 4754 level)."""
    code = normalise_industry_code(industry_code)
    letter = section_of(code)
    simple = {"A": "agri", "B": "industry", "C": "industry", "D": "industry", "E": "construction", "L": "leasing"}
    if letter in simple:
        return RULES[simple[letter]]
    if len(code) == 1 and letter in {"F", "G", "H", "I", "K"}:
        raise ValueError(f"所属行业「{code}」门类下各行业划型标准不同，请选择到大类或更细的行业。")
    div = int(code[:2]) if code[:2].isdigit() else -1
    by_div = {51: "wholesale", 52: "retail", 54: "transport", 55: "transport", 56: "transport", 57: "transport",
              58: "transport", 59: "warehousing", 60: "postal", 61: "accommodation", 62: "catering",
              63: "telecom", 64: "telecom", 65: "software"}
    if div in by_div:
        return RULES[by_div[div]]
    if div == 70:
        if len(code) == 2:
            raise ValueError("所属行业「70 房地产业」下各行业划型标准不同，请选择到中类（如 701 房地产开发经营、702 物业管理）。")
        if code.startswith("701"):
            return RULES["realestate"]
        if code.startswith("702"):
            return RULES["property"]
    return RULES["other"]


def _class_for(value: float, bounds: tuple[float, float, float]) -> str:
    large, medium, small = bounds
    if value >= large:
        return LARGE
    if value >= medium:
        return MEDIUM
    if value >= small:
        return SMALL
    return MICRO


Number = int | float | Decimal


def classify_size(industry_code: str, employees: Number | None = None, revenue: Number | None = None,
                  assets: Number | None = None) -> str:
    """Return 大型/中型/小型/微型 for an enterprise (revenue and assets in 万元).

    Each indicator the industry uses gets its own class; the enterprise takes the smallest.
    Raise ``ValueError`` naming the indicator when one the industry needs is missing or negative.
    """
    rule = size_rule_for(industry_code)
    values = {X: employees, Y: revenue, Z: assets}
    classes = []
    for indicator, bounds in rule.bounds.items():
        value = values[indicator]
        if value is None:
            raise ValueError(f"「{rule.name}」划型需要「{INDICATOR_LABEL[indicator]}」，请填写。")
        if float(value) < 0:
            raise ValueError(f"「{INDICATOR_LABEL[indicator]}」不能为负数。")
        classes.append(_class_for(float(value), bounds))
    return max(classes, key=_ORDER.index)


def size_indicators(industry_code: str) -> list[str]:
    """Return the indicator names (employees/revenue/assets) the industry's size rule uses."""
    return list(size_rule_for(industry_code).bounds)


# --- contact details ---------------------------------------------------------------------
MOBILE_RE = re.compile(r"^1[0-9]{10}$")  # ASCII digits (\d would take full-width ones)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def mobile_is_valid(phone: str) -> bool:
    """Return True for an 11-digit mainland mobile number starting with 1."""
    return bool(MOBILE_RE.fullmatch(phone or ""))


def email_is_valid(email: str) -> bool:
    """Return True for a plausible e-mail address."""
    return bool(EMAIL_RE.fullmatch(email or ""))
