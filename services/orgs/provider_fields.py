"""A provider's 服务商背景 (provider guide 3.1 / 4.2): the fields of its registration beyond the short
form shared with enterprises. The fields, their ranges, lengths and cross-field checks are the definition
specs/market/provider_background.yaml (services.market.background_form); this module is a thin loader
over it: ``PROVIDER_FIELDS`` (what components/org_form.py renders) is derived from the questions,
``provider_details`` cleans the raw values and lets the forms engine check them. Kept in
``Organisation.details``.

They are checked whenever filled (暂存, 提交审核, corrections). Required fields are the definition's
``required: true`` questions — none for now: registrations made before these fields existed (and the
existing registration tests) submit without them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.core.numbers import parse_number
from services.market import background_form
from services.reference import industry


@dataclass(frozen=True)
class PField:
    label: str
    kind: str                     # text / count / ratio / money / date / yes_no / industry / file
    max: Decimal | int = 0        # text: longest; numbers: largest allowed
    places: int = 0               # decimals allowed (money, ratio)


_KIND = {"integer": "count", "decimal": "money", "percent": "ratio", "date": "date", "industry": "industry",
         "file": "file", "text": "text", "textarea": "text", "single": "yes_no"}
_LEN = re.compile(r"^len\(\.\) <= (\d+)$")


def _field(q: Any) -> PField:
    kind = _KIND[q.type]
    if kind == "text":
        longest = next((int(m.group(1)) for c in q.constraints if (m := _LEN.match(c.rule.strip()))), 500)
        return PField(q.label, kind, longest)
    if kind in ("count", "money", "ratio"):
        top = q.max if q.max is not None else 100
        return PField(q.label, kind, int(top) if kind == "count" else Decimal(str(top)), q.precision or 0)
    return PField(q.label, kind)


PROVIDER_FIELDS: dict[str, PField] = {q.name: _field(q) for q in background_form.questions("provider")}
REQUIRED: tuple[str, ...] = tuple(q.name for q in background_form.questions("provider") if q.required is True)
_LICENSE = next(q for q in background_form.questions("provider") if q.type == "file")
LICENSE_TYPES, LICENSE_MB = tuple(_LICENSE.file_types), _LICENSE.max_mb


def _value(pf: PField, raw: Any) -> tuple[Any, str | None]:
    """(clean value or None, the rule broken or None) — what the engine cannot check: the value's form
    (a number, a date, an industry code of GB/T 4754, a stored file id); ranges, lengths and cross-field
    rules are the definition's and checked by the engine."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if pf.kind in ("text", "yes_no"):
        return str(raw).strip(), None
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
        return day.isoformat(), None
    value, problem = parse_number(raw)
    if value is None:
        return None, f"{problem}。"
    if pf.kind == "count" and value == value.to_integral_value():
        return int(value), None
    return format(value.normalize(), "f"), None


def provider_details(data: dict[str, Any], mode: str = "submit") -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (the provider fields present in ``data`` — or its ``details`` — cleaned, problems by label)."""
    stored = data.get("details") or {}
    clean: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for key, pf in PROVIDER_FIELDS.items():
        present = key in data or key in stored
        value, rule = _value(pf, data[key] if key in data else stored.get(key))
        if rule:
            problems.setdefault(pf.label, []).append(f"{pf.label}：{rule}")
        if present:
            clean[key] = value
    bad = {key for key, pf in PROVIDER_FIELDS.items() if pf.label in problems}
    engine = background_form.problems("provider", {k: v for k, v in clean.items() if k not in bad},
                                      complete=mode == "submit", skip=("license_file_id",))
    for label, messages in engine.items():
        problems.setdefault(label, []).extend(messages)
    if mode == "submit" and "license_file_id" in REQUIRED and clean.get("license_file_id") is None:
        label = PROVIDER_FIELDS["license_file_id"].label
        problems.setdefault(label, []).append(f"{label}：必填项，请填写。")
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
