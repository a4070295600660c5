"""A provider's 服务商背景 (provider guide 3.1 / 4.2): the fields of its registration beyond the short
form shared with enterprises, each with its range or length. Kept in ``Organisation.details``.

They are checked whenever filled (暂存, 提交审核, corrections). ``REQUIRED`` lists those the guide marks
with * that a submission must have — empty for now: registrations made before these fields existed (and
the existing registration tests) submit without them; putting keys into it makes them required.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clock import china_now
from services.core.numbers import parse_number
from services.reference import industry


@dataclass(frozen=True)
class PField:
    label: str
    kind: str                     # text / count / ratio / money / date / yes_no / industry / file
    max: Decimal | int = 0        # text: longest; numbers: largest allowed
    places: int = 0               # decimals allowed (money, ratio)


COUNT_MAX = 1_000_000
PROVIDER_FIELDS: dict[str, PField] = {
    "license_file_id": PField("企业营业执照", "file"),
    "service_scope": PField("服务商服务范围", "text", 500),
    "core_products": PField("核心产品和解决方案", "text", 1000),
    "qualifications": PField("资质能力", "text", 1000),
    "industrial_clients": PField("工业客户累计数量（个）", "count", COUNT_MAX),
    "started_on": PField("起始运行时间", "date"),
    "staff_total": PField("人员总数（人）", "count", COUNT_MAX),
    "income_y1": PField("上年收入（亿元）", "money", Decimal(10_000), 2),
    "income_y2": PField("前年收入（亿元）", "money", Decimal(10_000), 2),
    "income_y3": PField("大前年收入（亿元）", "money", Decimal(10_000), 2),
    "avg_sales": PField("近三年年平均销售额（万元）", "money", Decimal(100_000_000), 2),
    "avg_industrial_sales": PField("近三年工业领域年平均销售额（万元）", "money", Decimal(100_000_000), 2),
    "solution_share": PField("申报方案（总）年销售额占工业年销售额的平均占比（%）", "ratio", 100, 2),
    "sector_1": PField("所属行业1", "industry"),
    "sector_2": PField("所属行业2", "industry"),
    "sector_3": PField("所属行业3", "industry"),
    "rd_ratio": PField("研发人员占比（%）", "ratio", 100, 2),
    "bachelor_ratio": PField("本科学历人员占比（%）", "ratio", 100, 2),
    "master_ratio": PField("研究生以上学历人员占比（%）", "ratio", 100, 2),
    "doctor_ratio": PField("博士以上学历人员占比（%）", "ratio", 100, 2),
    "senior_title_ratio": PField("中级以上职称人员占比（%）", "ratio", 100, 2),
    "implementers_1y": PField("1年以上经验的实施人员数量（人）", "count", COUNT_MAX),
    "implementers_3y": PField("3年以上经验的实施人员数量（人）", "count", COUNT_MAX),
    "certified_implementers": PField("具备专业资质的实施人员数量（人）", "count", COUNT_MAX),
    "service_staff": PField("运维及服务人员数量（人）", "count", COUNT_MAX),
    "expert_coverage": PField("专家资质覆盖", "text", 500),
    "local_scope": PField("本地化服务范围", "text", 500),
    "local_entity_name": PField("本省实体机构名称", "text", 100),
    "local_entity_address": PField("本省实体机构地址", "text", 200),
    "hq_address": PField("总部地址", "text", 200),
    "profile": PField("企业简介", "text", 1000),
    "high_tech": PField("是否高新技术企业", "yes_no"),
}
REQUIRED: tuple[str, ...] = ()
LICENSE_TYPES, LICENSE_MB = ("jpg", "png"), 10


def _value(pf: PField, raw: Any) -> tuple[Any, str | None]:
    """(clean value or None, the rule broken or None)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if pf.kind == "text":
        text = str(raw).strip()
        return text, f"长度不能超过 {pf.max} 个字符。" if len(text) > int(pf.max) else None
    if pf.kind == "yes_no":
        text = str(raw).strip()
        return (text, None) if text in ("是", "否") else (None, "请选择「是」或「否」。")
    if pf.kind == "industry":
        node = industry(str(raw).strip())
        return (node.code, None) if node is not None else (None, "请从 GB/T 4754-2017 行业列表中选择。")
    if pf.kind == "file":
        return (int(raw), None) if str(raw).isdigit() else (None, "请重新上传。")
    if pf.kind == "date":
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip()[:10])
        except ValueError:
            return None, "须为有效日期（年-月-日）。"
        if day < dt.date(1900, 1, 1) or day > china_now().date():
            return None, f"须在 1900-01-01 与今天（{china_now().date().isoformat()}）之间。"
        return day.isoformat(), None
    value, problem = parse_number(raw)
    if value is None:
        return None, f"{problem}。"
    if value < 0:
        return None, "不能为负数。"
    if value > pf.max:
        return None, f"不能大于 {pf.max}。"
    if pf.kind == "count" and value != value.to_integral_value():
        return None, "须为整数。"
    if value != value.quantize(Decimal(1).scaleb(-pf.places)):
        return None, f"最多保留 {pf.places} 位小数。"
    return (int(value) if pf.kind == "count" else format(value.normalize(), "f")), None


def provider_details(data: dict[str, Any], mode: str = "submit") -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (the provider fields present in ``data`` — or its ``details`` — cleaned, problems by label)."""
    stored = data.get("details") or {}
    clean: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for key, pf in PROVIDER_FIELDS.items():
        present = key in data or key in stored
        raw = data[key] if key in data else stored.get(key)
        value, rule = _value(pf, raw)
        if rule:
            problems.setdefault(pf.label, []).append(f"{pf.label}：{rule}")
        elif value is None and mode == "submit" and key in REQUIRED:
            problems.setdefault(pf.label, []).append(f"{pf.label}：必填项，请填写。")
        if present:
            clean[key] = value
    ratio = {k: clean.get(k) for k in ("bachelor_ratio", "master_ratio", "doctor_ratio")}
    if ratio["doctor_ratio"] is not None and ratio["master_ratio"] is not None \
            and Decimal(ratio["doctor_ratio"]) > Decimal(ratio["master_ratio"]):
        label = PROVIDER_FIELDS["doctor_ratio"].label
        problems.setdefault(label, []).append(f"{label}：不能大于研究生以上学历人员占比（博士包含在研究生以上之中）。")
    if clean.get("implementers_3y") is not None and clean.get("implementers_1y") is not None \
            and clean["implementers_3y"] > clean["implementers_1y"]:
        label = PROVIDER_FIELDS["implementers_3y"].label
        problems.setdefault(label, []).append(f"{label}：不能多于 1 年以上经验的实施人员数量。")
    if clean.get("staff_total") is not None:
        for key in ("implementers_1y", "certified_implementers", "service_staff"):
            if clean.get(key) is not None and clean[key] > clean["staff_total"]:
                label = PROVIDER_FIELDS[key].label
                problems.setdefault(label, []).append(f"{label}：不能多于人员总数。")
    if clean.get("avg_industrial_sales") is not None and clean.get("avg_sales") is not None \
            and Decimal(clean["avg_industrial_sales"]) > Decimal(clean["avg_sales"]):
        label = PROVIDER_FIELDS["avg_industrial_sales"].label
        problems.setdefault(label, []).append(f"{label}：不能大于近三年年平均销售额。")
    return clean, problems


def provider_rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the provider fields that are filled, in the guide's order (我的企业 / 申请详情)."""
    from services.reference import industry_full_name
    rows = []
    for key, pf in PROVIDER_FIELDS.items():
        value = details.get(key)
        if value is None or value == "":
            continue
        if pf.kind == "file":
            rows.append((pf.label, "已上传"))
        elif pf.kind == "industry":
            rows.append((pf.label, industry_full_name(value)))
        else:
            rows.append((pf.label, str(value)))
    return rows
