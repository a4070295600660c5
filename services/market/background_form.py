"""Background forms as definitions: specs/market/provider_background.yaml (服务商背景) and
specs/market/enterprise_background.yaml (企业背景信息).

Like the listing form they live in ``specs/market/`` (not published as surveys: the folder is in
``services.forms.definitions.NOT_FORMS``) and are read here: the forms engine checks every answer
(types, ranges, precision, lengths, required fields and the cross-field constraints written in the file).
Each file has a ``background:`` block: ``for`` (the organisation kind that fills it) and ``prefill``
(question → organisation attribute, the answers the registration already holds; shown filled, read-only).
``check_file`` gives ``manage.py check-specs`` the loader's D-codes plus B-codes for that block.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.forms.engine import Context, Finding, evaluate
from services.forms.loader import check_file as check_form_file, load_definition, read_document
from services.forms.schema import Definition, Question

FOLDER = Path(__file__).resolve().parents[2] / "specs" / "market"
NAMES = {"provider": "provider_background", "enterprise": "enterprise_background"}
# organisation attributes a ``prefill`` may name (the registration's own fields: columns, then ``details`` keys)
ORG_COLUMNS = ("name", "credit_code", "region_code", "industry_code", "legal_rep", "contact_name", "contact_phone",
               "address", "employees", "revenue", "assets")
ORG_DETAILS = ("postcode", "email", "opened_on", "website", "mobile", "business", "stock_code")
ORG_ATTRIBUTES = ORG_COLUMNS + ORG_DETAILS
_INCOMPLETE = ("required",)


@dataclass(frozen=True)
class Problem:
    code: str
    item: str
    message: str


def _block_problems(doc: dict[str, Any], questions: set[str]) -> list[Problem]:
    block = doc.get("background")
    if not isinstance(block, dict):
        return [Problem("B001", "background", "缺少 background: 块（for: provider | enterprise，prefill: 题目 → 单位字段）")]
    out: list[Problem] = []
    if block.get("for") not in NAMES:
        out.append(Problem("B002", "background › for", f"须为 provider 或 enterprise（「{block.get('for')}」）"))
    prefill = block.get("prefill") or {}
    if not isinstance(prefill, dict):
        return out + [Problem("B003", "background › prefill", "须为「题目: 单位字段」的映射")]
    for q, attr in prefill.items():
        if q not in questions:
            out.append(Problem("B003", f"background › prefill › {q}", "引用了不存在的题目"))
        if attr not in ORG_ATTRIBUTES:
            out.append(Problem("B003", f"background › prefill › {q}", f"单位字段须为 {'、'.join(ORG_ATTRIBUTES)} 之一（「{attr}」）"))
    return out


def check_with_block(path: str | Path, block: Callable[[dict[str, Any], set[str]], list[Problem]]) -> list[Problem]:
    """Problems of a definition file with an extra block: the forms loader's D-codes, then what
    ``block(document, question names)`` finds."""
    found = [Problem(code, item, message) for code, _file, item, message in check_form_file(path)]
    if found:
        return found
    doc = read_document(Path(path).read_text(encoding="utf-8"), str(path))
    names = {q.name for q in load_definition(doc, str(path)).questions()}
    return block(doc, names)


def check_file(path: str | Path) -> list[Problem]:
    """Problems of a background definition file (the forms loader's D-codes, then the block's B-codes)."""
    return check_with_block(path, _block_problems)


@functools.lru_cache(maxsize=4)
def _loaded(kind: str) -> tuple[Definition, dict[str, str]]:
    path = FOLDER / f"{NAMES[kind]}.yaml"
    doc = read_document(path.read_text(encoding="utf-8"), str(path))
    d = load_definition(doc, str(path))
    problems = _block_problems(doc, {q.name for q in d.questions()})
    assert not problems, problems
    return d, dict(doc["background"].get("prefill") or {})


def definition(kind: str) -> Definition:
    return _loaded(kind)[0]


def prefill_map(kind: str) -> dict[str, str]:
    """Question name → organisation attribute for the answers the registration already holds."""
    return _loaded(kind)[1]


def questions(kind: str) -> list[Question]:
    return list(definition(kind).questions())


def org_values(org: Any, mapping: dict[str, str]) -> dict[str, Any]:
    """Question → value of the organisation attribute ``mapping`` names (columns, then ``details`` keys);
    empty attributes are left out."""
    details = getattr(org, "details", None) or {}
    out: dict[str, Any] = {}
    for question, attr in mapping.items():
        value = getattr(org, attr, None) if attr in ORG_COLUMNS else details.get(attr)
        if value is not None and value != "":
            out[question] = value
    return out


def prefilled(kind: str, org: Any) -> dict[str, Any]:
    """The answers the organisation's registration already holds (``background.prefill``), by question."""
    return org_values(org, prefill_map(kind))


def labels(kind: str) -> dict[str, str]:
    return {q.name: q.label or q.name for q in questions(kind)}


def _label(d: Definition, f: Finding) -> str:
    if f.question:
        return next((q.label or q.name for q in d.questions() if q.name == f.question), f.question)
    return d.title


def definition_problems(d: Definition, answers: dict[str, Any], *, complete: bool,
                        org: dict[str, Any] | None = None, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The engine's errors of definition ``d`` for ``answers`` keyed by field label (Chinese, naming the field
    and the rule); ``complete=False`` (a draft) skips what is only missing; ``skip``: questions checked elsewhere."""
    values = {k: v for k, v in answers.items() if k not in skip and v is not None and v != ""}
    ev = evaluate(d, values, Context(org=org or {}), with_scores=False)
    out: dict[str, list[str]] = {}
    for f in ev.errors():
        if f.question in skip or (not complete and f.rule in _INCOMPLETE):
            continue
        label = _label(d, f)
        out.setdefault(label, []).append(f.message if "：" in f.message else f"{label}：{f.message}")
    return out


def problems(kind: str, answers: dict[str, Any], *, complete: bool, org: dict[str, Any] | None = None,
             skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """``definition_problems`` of the background form of ``kind``."""
    return definition_problems(definition(kind), answers, complete=complete, org=org, skip=skip)
