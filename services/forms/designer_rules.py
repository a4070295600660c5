"""How the designer's pickers become the engine's rules: the document's questions and the pickers'
choices under ``settings.designer``, the text patterns offered for 数据校验, and ``compile_rules``, which
writes ``goto`` (逻辑分支) and ``constraints`` (数据校验) on every edit (services/forms/designer.py)."""
from __future__ import annotations

from typing import Any

END = "end"
TEXT_TYPES = ("text", "textarea")
# 数据校验: the patterns offered for a text answer (label, regular expression for ``regex``)
PATTERNS = {
    "mobile": ("手机号码", "1[3-9][0-9]{9}"),
    "phone": ("固定电话", "0[0-9]{2,3}-?[0-9]{7,8}"),
    "email": ("电子邮箱", "[^@ ]+@[^@ ]+[.][^@ ]+"),
    "postcode": ("邮政编码", "[0-9]{6}"),
    "credit_code": ("统一社会信用代码", "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"),
    "digits": ("纯数字", "[0-9]+"),
}


def questions_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["sections"][0]["questions"]


def designer_of(doc: dict[str, Any]) -> dict[str, Any]:
    settings = doc.setdefault("settings", {})
    return settings.setdefault("designer", {"branches": [], "checks": {}})


def _quote(value: str) -> str:
    return "'" + value.replace("'", "") + "'"   # option values are the designer's digits


def compile_rules(doc: dict[str, Any]) -> None:
    """Write the engine's ``goto`` and ``constraints`` from the pickers' branches and checks (dropping
    branches whose question, options or target no longer fit)."""
    des = designer_of(doc)
    qs = questions_of(doc)
    order = [q["name"] for q in qs]
    by_name = {q["name"]: q for q in qs}
    kept = []
    for b in des.get("branches") or []:
        q = by_name.get(b["question"])
        if q is None or q["type"] not in ("single", "multiple"):
            continue
        values = {str(c["value"]) for c in q.get("choices") or []}
        opts = [o for o in b["options"] if o in values]
        if not opts or (b["to"] != END and (b["to"] not in by_name or order.index(b["to"]) <= order.index(q["name"]))):
            continue
        kept.append({**b, "options": opts})
    des["branches"] = kept
    checks = des.setdefault("checks", {})
    for q in qs:
        q.pop("goto", None)
        q.pop("constraints", None)
        mine = [b for b in kept if b["question"] == q["name"]]
        if mine:
            q["goto"] = [{"if": " or ".join(f"selected(${{{q['name']}}}, {_quote(o)})" for o in b["options"]),
                          "to": b["to"]} for b in mine]
        c = checks.get(q["name"]) or {}
        rules = []
        if q["type"] in TEXT_TYPES:
            if c.get("min_length") is not None:
                rules.append({"rule": f"len(.) >= {int(c['min_length'])}", "message": f"不能少于 {int(c['min_length'])} 个字"})
            if c.get("max_length") is not None:
                rules.append({"rule": f"len(.) <= {int(c['max_length'])}", "message": f"不能超过 {int(c['max_length'])} 个字"})
            if c.get("pattern") in PATTERNS:
                label, pattern = PATTERNS[c["pattern"]]
                rules.append({"rule": f"regex(., {_quote(pattern)})", "message": f"格式须为{label}"})
        if q["type"] == "multiple":
            if c.get("min_count") is not None:
                rules.append({"rule": f"count_selected(.) >= {int(c['min_count'])}",
                              "message": f"至少选择 {int(c['min_count'])} 项"})
            if c.get("max_count") is not None:
                rules.append({"rule": f"count_selected(.) <= {int(c['max_count'])}",
                              "message": f"最多选择 {int(c['max_count'])} 项"})
        if rules:
            q["constraints"] = rules
        elif q["name"] in checks and not c:
            checks.pop(q["name"])
    for name in [n for n in checks if n not in by_name]:
        checks.pop(name)
