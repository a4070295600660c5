"""The organisation details form: fields, choice lists, rules, units, and the page-ready view.

Enterprises fill the monitoring manual's 企业信息注册 form (法人代表, 所属行业 to the 小类, 所在地区
to the county, 注册类型, 控股类型, 上年末营业收入/从业人数/资产总计 with the size computed,
是否上市/股票代码, 通讯地址, 邮政编码, 开业时间, 企业网址, 联系人, 电话, 传真, 手机, 电子邮箱,
主营业务/主要产品). Service providers keep their shorter form and rules. The fields without a
column live in ``Organisation.details`` (JSON), under the keys of ``DETAIL_FIELDS``.

Units: the form asks for money in 千元 (as the manual); ``Organisation.revenue`` and ``.assets``
stay in 万元, which size classification, self-diagnosis and statistics read. ``wan_from_thousand``
and ``thousand_from_wan`` are the only conversions. A form sends the 千元 keys ``revenue_k`` /
``assets_k``; a caller that sends ``revenue`` / ``assets`` instead (no ``_k`` key) means 万元.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from db.organisation import Organisation
from services.core.lengths import max_length
from services.core.numbers import OUT_OF_RANGE, parse_number
from services.reference import industry, industry_ancestors, region, region_path
from services.core.rules import classify_size, credit_code_is_valid, email_is_valid, mobile_is_valid, size_indicators
from services.core.timefmt import china_now

# --- choice lists (the one place they are defined) ----------------------------------------------
REG_TYPES = ("国有独资公司", "其他有限责任公司", "股份有限公司", "私营企业", "个体经营", "外商投资企业",
             "港澳台商投资企业", "其他")
HOLDING_TYPES = ("国有控股", "集体控股", "私人控股", "港澳台商控股", "外商控股", "其他")
YES_NO = ("是", "否")

# Extra enterprise fields kept in Organisation.details: key -> label.
DETAIL_FIELDS = {"reg_type": "注册类型", "holding_type": "控股类型", "listed": "是否上市", "stock_code": "股票代码",
                 "postcode": "邮政编码", "opened_on": "开业时间", "website": "企业网址", "phone": "电话",
                 "fax": "传真", "mobile": "手机", "email": "电子邮箱", "business": "主营业务/主要产品"}
# Form field name -> Chinese label (used in every message and on every page).
ORG_FIELDS = {
    "name": "企业名称", "credit_code": "统一社会信用代码", "legal_rep": "法人代表", "region_code": "所在地区",
    "industry_code": "所属行业", "employees": "上年末从业人数（人）", "revenue_k": "上年末营业收入（千元）",
    "assets_k": "上年末资产总计（千元）", "contact_name": "联系人", "contact_phone": "联系电话", "address": "通讯地址",
    **DETAIL_FIELDS,
}
LEGACY_LABEL = {"revenue": "上年末营业收入（万元）", "assets": "上年末资产总计（万元）"}
PHONE_ONE_OF = "电话/手机"
LABEL = {**ORG_FIELDS, **LEGACY_LABEL}
BASE_REQUIRED = ("name", "credit_code", "region_code", "industry_code", "legal_rep", "contact_name")
ENTERPRISE_REQUIRED = ("reg_type", "holding_type", "employees", "revenue_k", "assets_k", "listed", "address",
                       "postcode", "opened_on", "business")
# Longest text per field: the column's length where the field has a column (services.core.lengths), else the
# form's own limit (fields kept in the ``details`` JSON).
MAX_LEN = {**{k: max_length(getattr(Organisation, k)) for k in ("legal_rep", "contact_name", "address")},
           "business": 500, "website": 200, "email": 100}
MODES = ("submit", "correct", "draft")

LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?$")  # 区号-号码[-分机], e.g. 025-12345678
LEGACY_PHONE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")  # providers' 联系电话, unchanged
SIX_DIGITS = re.compile(r"^[0-9]{6}$")  # ASCII digits only (\d would take full-width ones)
WEBSITE_RE = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)
MONEY_LIMIT = Decimal("1e13")  # 千元; the 万元 column holds 16 digits with 2 decimals
EMPLOYEES_LIMIT = 10_000_000


# --- units --------------------------------------------------------------------------------------
def wan_from_thousand(value: Decimal) -> Decimal:
    """千元 → 万元 (the unit of Organisation.revenue / .assets and of size classification)."""
    return value / 10


def thousand_from_wan(value: Decimal | float | None) -> Decimal | None:
    """万元 → 千元 (what the form shows)."""
    return None if value is None else Decimal(str(value)) * 10


def plain(value: Decimal | float | int | None) -> str | None:
    """Return a number as plain text without trailing zeros ("50000", "12.5")."""
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def industry_path(code: str | None) -> str:
    """Return 门类→大类→中类→小类 by name, with the code, e.g. "制造业→…→锅炉及辅助设备制造（3411）"."""
    chain = industry_ancestors(code) if code else []
    return "→".join(n.name for n in chain) + (f"（{chain[-1].code}）" if chain else "")


def phones(org: Organisation) -> tuple[str | None, str | None]:
    """Return the enterprise's (电话, 手机); rows from before these fields fall back on 联系电话."""
    details = org.details or {}
    if "phone" in details or "mobile" in details or org.kind != "enterprise" or not org.contact_phone:
        return details.get("phone"), details.get("mobile")
    if LANDLINE_RE.match(org.contact_phone):
        return org.contact_phone, None
    return None, org.contact_phone if mobile_is_valid(org.contact_phone) else None


# --- parsing helpers ----------------------------------------------------------------------------
def _text(raw: Any) -> str | None:
    return str(raw).strip() or None if raw is not None else None


def _raw(data: dict[str, Any], key: str) -> Any:
    """A detail field comes from the form (top level) or, for callers passing a stored row, from ``details``."""
    if key in data:
        return data[key]
    return (data.get("details") or {}).get(key)


def _listed(raw: Any) -> bool | None | str:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    return {"是": True, "否": False}.get(str(raw).strip(), "bad")


def _date(raw: Any) -> dt.date | None | str:
    if raw is None or str(raw).strip() == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10].replace("/", "-"))
    except ValueError:
        return "bad"


def _number(raw: Any, label: str, problems: list[str], integer: bool = False,
            limit: Decimal | int | None = None, places: int | None = None) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    value, problem = parse_number(raw)  # the one number rule: short ASCII text, finite, below 10^15
    if value is None:
        problems.append(f"{label}：数值过大，请核对单位。" if problem == OUT_OF_RANGE and limit is not None
                        else f"{label}：{problem}。")
        return None
    if value < 0:
        problems.append(f"{label}：不能为负数。")
    elif integer and value != value.to_integral_value():
        problems.append(f"{label}：须为整数。")
    elif limit is not None and value >= limit:
        problems.append(f"{label}：数值过大，请核对单位。")
    elif places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        problems.append(f"{label}：最多保留 {places} 位小数。")
    return value


# --- validation ---------------------------------------------------------------------------------
def validate_org_form(data: dict[str, Any], kind: str | None = None,
                      mode: str = "submit") -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (clean values, problems by label) for an organisation form. Pure: no database.

    ``kind`` "enterprise" applies the manual's 企业信息注册 rules; "provider" or None the
    providers' rules (name, code, region, industry to 大类, 联系电话 …). ``mode``: "submit"
    (提交审核: everything), "correct" (an administrator's correction: formats and the base
    required fields, since rows imported from the old platform may lack the newer ones),
    "draft" (暂存: only the format of what is filled).
    """
    assert mode in MODES, mode
    enterprise = kind == "enterprise"
    problems: dict[str, list[str]] = {label: [] for label in [*ORG_FIELDS.values(), PHONE_ONE_OF]}

    def add(key: str, rule: str) -> None:
        problems.setdefault(LABEL[key], []).append(f"{LABEL[key]}：{rule}")

    clean: dict[str, Any] = {k: _text(data.get(k)) for k in ("name", "legal_rep", "contact_name", "address")}
    clean["credit_code"] = (_text(data.get("credit_code")) or "").upper() or None
    clean["region_code"] = _text(data.get("region_code"))
    clean["industry_code"] = _text(data.get("industry_code"))
    details: dict[str, Any] = {k: _text(_raw(data, k)) for k in DETAIL_FIELDS if k not in ("listed", "opened_on")}
    listed, opened = _listed(_raw(data, "listed")), _date(_raw(data, "opened_on"))
    details["listed"], details["opened_on"] = listed, opened
    clean["contact_phone"] = (details["mobile"] or details["phone"]) if enterprise else _text(data.get("contact_phone"))
    raw_numbers: dict[str, Any] = {"employees": data.get("employees"),
                   **{k: data.get(k) for k in ("revenue_k", "assets_k") if k in data}}

    required = [*BASE_REQUIRED, *([] if enterprise else ["contact_phone"])]
    if enterprise and mode == "submit":
        required += ENTERPRISE_REQUIRED
    if mode != "draft":
        filled: dict[str, Any] = {**clean, **details, **raw_numbers}
        for key in required:
            value = filled.get(key)
            if value is None or str(value).strip() == "":
                add(key, "必填项，请" + ("选择。" if key in ("reg_type", "holding_type", "listed", "region_code",
                                                           "industry_code", "opened_on") else "填写。"))
        if enterprise and not details["phone"] and not details["mobile"]:
            problems[PHONE_ONE_OF].append(f"{PHONE_ONE_OF}：座机电话和手机至少要填写一项。")
        if listed is True and not details["stock_code"]:
            add("stock_code", "上市企业必须填写股票代码。")

    # formats of what is filled
    if clean["name"] and not 2 <= len(clean["name"]) <= 64:
        add("name", "长度须为 2–64 个字符。")
    for key, most in MAX_LEN.items():
        value = clean.get(key) or details.get(key)
        if value and len(value) > most:
            add(key, f"长度不能超过 {most} 个字符。")
    if clean["credit_code"] and not credit_code_is_valid(clean["credit_code"]):
        add("credit_code", "须为 18 位，且校验位符合 GB 32100-2015，请核对。")
    node = region(clean["region_code"]) if clean["region_code"] else None
    if clean["region_code"] and (node is None or node.children):
        add("region_code", "请选择到区县一级。")
    ind = industry(clean["industry_code"]) if clean["industry_code"] else None
    if clean["industry_code"] and ind is None:
        add("industry_code", "请从 GB/T 4754-2017 行业列表中选择。")
    elif ind is not None:
        clean["industry_code"] = ind.code
    if ind is not None and mode != "draft":
        if enterprise and mode == "submit" and ind.level != "class":
            add("industry_code", "企业须选择到小类（四位代码）。")
        elif ind.level == "section":
            add("industry_code", "请至少选择到大类（两位代码）。")
    if not enterprise and clean["contact_phone"] and not (mobile_is_valid(clean["contact_phone"])
                                                          or LEGACY_PHONE_RE.match(clean["contact_phone"])):
        add("contact_phone", "请填写 11 位手机号或「区号-号码」格式的固定电话。")
    if details["phone"] and not LANDLINE_RE.match(details["phone"]):
        add("phone", "须为座机号码，区号和号码之间用“-”连接，如 025-12345678"
            + ("；手机号请填写在「手机」栏。" if mobile_is_valid(details["phone"]) else "。"))
    if details["fax"] and not LANDLINE_RE.match(details["fax"]):
        add("fax", "须为「区号-号码」格式，区号和号码之间用“-”连接，如 025-12345679。")
    if details["mobile"] and not (details["mobile"].isascii() and mobile_is_valid(details["mobile"])):
        add("mobile", "须为以 1 开头的 11 位数字。")
    if details["email"] and not email_is_valid(details["email"]):
        add("email", "格式不正确，如 name@example.com。")
    if details["website"] and not WEBSITE_RE.match(details["website"]):
        add("website", "须以 http:// 或 https:// 开头，如 http://www.example.com。")
    if details["postcode"] and not SIX_DIGITS.match(details["postcode"]):
        add("postcode", "须为 6 位数字。")
    if listed == "bad":
        add("listed", "请选择「是」或「否」。")
        details["listed"] = None
    elif listed is True and details["stock_code"] and not SIX_DIGITS.match(details["stock_code"]):
        add("stock_code", "须为 6 位数字。")
    elif listed is False:
        details["stock_code"] = None  # a stock code only means something for a listed enterprise
    for key, allowed in (("reg_type", REG_TYPES), ("holding_type", HOLDING_TYPES)):
        if details[key] and details[key] not in allowed:
            add(key, "请从列表中选择（" + "、".join(allowed) + "）。")
    today = china_now().date()
    if opened == "bad" or (isinstance(opened, dt.date) and opened < dt.date(1900, 1, 1)):
        add("opened_on", "须为 1900-01-01 以后的有效日期（年-月-日）。")
        details["opened_on"] = None
    elif isinstance(opened, dt.date) and opened > today:
        add("opened_on", f"不能晚于今天（{today.isoformat()}）。")
    if isinstance(details["opened_on"], dt.date):
        details["opened_on"] = details["opened_on"].isoformat()

    _sizes(data, clean, ind, enterprise, mode, problems, add)
    passthrough = {k: v for k, v in (data.get("details") or {}).items() if v not in (None, "") and k not in details}
    present = {k: v for k, v in details.items() if k in data or k in (data.get("details") or {})}
    clean["details"] = {**passthrough, **present}
    if not enterprise:  # 服务商背景: services/orgs/provider_fields.py
        from services.orgs.provider_fields import provider_details
        extra, extra_problems = provider_details(data, mode)
        clean["details"].update(extra)
        for label, msgs in extra_problems.items():
            problems.setdefault(label, []).extend(msgs)
    return clean, problems


def _sizes(data: dict[str, Any], clean: dict[str, Any], ind: Any, enterprise: bool, mode: str,
           problems: dict[str, list[str]], add: Any) -> None:
    """Parse 从业人数 and the money (千元 keys first, else 万元) and compute the size."""
    clean["employees"] = _number(data.get("employees"), LABEL["employees"], problems[LABEL["employees"]], True,
                                 EMPLOYEES_LIMIT)
    for key in ("revenue", "assets"):
        if f"{key}_k" in data:
            label = LABEL[f"{key}_k"]
            value = _number(data[f"{key}_k"], label, problems[label], limit=MONEY_LIMIT, places=1)
            clean[key] = wan_from_thousand(value) if value is not None else None
        else:
            label = LABEL[key]
            clean[key] = _number(data.get(key), label, problems.setdefault(label, []), limit=MONEY_LIMIT / 10)
    clean["size"] = None
    if ind is None or ind.level == "section":
        return
    try:
        needed = size_indicators(ind.code)
    except ValueError as err:  # e.g. 70 房地产业: the rule depends on the 中类; the message names the field
        if mode != "draft":
            problems[LABEL["industry_code"]].append(str(err))
        return
    money_label = {"employees": "employees", **{k: f"{k}_k" if f"{k}_k" in data else k for k in ("revenue", "assets")}}
    missing = [k for k in needed if clean[k] is None]
    if mode != "draft":
        for key in missing:
            if not (enterprise and mode == "submit"):  # enterprises: already reported as required
                add(money_label[key], "所选行业划分企业规模需要此项，请填写。")
    if not missing and not any(problems.get(LABEL[money_label[k]]) for k in ("employees", "revenue", "assets")):
        clean["size"] = classify_size(ind.code, employees=clean["employees"], revenue=clean["revenue"],
                                      assets=clean["assets"])


def apply_org_values(org: Organisation, clean: dict[str, Any]) -> None:
    """Copy validated values onto an organisation, with its region path, division and details."""
    for key in ("name", "credit_code", "region_code", "industry_code", "revenue", "assets", "size",
                "legal_rep", "contact_name", "contact_phone", "address"):
        setattr(org, key, clean[key])
    org.employees = int(clean["employees"]) if clean["employees"] is not None else None
    path = region_path(clean["region_code"])
    org.province_code, org.city_code, org.county_code = path.province_code, path.city_code, path.county_code
    code = clean["industry_code"]
    org.division_code = code[:2] if code and code[:2].isdigit() else None
    merged = {**(org.details or {}), **clean["details"]}
    org.details = {k: v for k, v in merged.items() if v is not None}


def size_preview(data: dict[str, Any], kind: str | None = None) -> str | None:
    """Return the size the form's current values give, or None until industry and indicators allow it."""
    return validate_org_form(data, kind, mode="draft")[0]["size"]
