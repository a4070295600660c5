"""问卷调查管理 — the visual designer: pure functions over a survey's definition document.

Every function takes a document (a dict, never modified) and returns a new one that passes the
engine's loader (``definitions.validate_document``), or raises ``ValidationFailed`` naming the field
and the rule. Administrators never type YAML or expressions: the designer writes them.

The document it keeps (one section ``main``; see specs/README.md for the format)::

    code, kind: survey, title, description, period: month | quarter | year   # 主题定义: 频率
    settings:
      columns: 1
      window: {start: "2026-01-01", end: "2026-12-31"}                      # 周期 (either may be "")
      scope: {regions: [...], industries: ["C"], sizes: ["小型"], manufacturing: all}   # 范围
      monitor: {audience: all | manufacturing | non_manufacturing}          # only with frequency 月
      designer: {branches: [{question, options, to}], checks: {q1: {...}}}  # what the pickers chose
    sections: [{name: main, title, questions: [...]}]

Branches (逻辑分支) and checks (数据校验) are kept as the pickers' choices under ``settings.designer``
and compiled on every edit into the engine's ``goto`` (``selected(${q}, 'v') or …`` → a later
question or ``end``) and ``constraints`` (``len(.)``, ``regex(.)``, ``count_selected(.)``).
A frequency of 月 makes the questionnaire part of the monthly report (当期报送 step ④); 季 and 年
questionnaires are answered in 在线填报. Who a questionnaire reaches: ``audience_matches``.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from services.core.errors import ValidationFailed
from services.forms.audience import audience_matches  # noqa: F401  (documented here too)
from services.forms.designer_rules import END, PATTERNS, TEXT_TYPES, compile_rules  # noqa: F401  (the page reads them here)
from services.forms.designer_rules import designer_of as _designer
from services.forms.designer_rules import questions_of as _questions
from services.forms.schema import NAME_RE
from services.forms.types import QUESTION_TYPES

FREQUENCIES = {"month": "月", "quarter": "季", "year": "年"}
SIZES = ("大型", "中型", "小型", "微型")
MANUFACTURING = {"all": "全部企业", "manufacturing": "仅制造业", "non_manufacturing": "仅非制造业"}
# every type of the engine except ``calculated`` (its value is an expression, which the designer never asks for)
DESIGNABLE = tuple(t for t in QUESTION_TYPES if t != "calculated")
CHOICE_TYPES = tuple(t for t in DESIGNABLE if QUESTION_TYPES[t].choices)
MATRIX_TYPES = tuple(t for t in DESIGNABLE if QUESTION_TYPES[t].matrix)
NUMBER_TYPES = ("integer", "decimal", "percent", "rating")
CELL_TYPES = {"decimal": "小数", "integer": "整数", "percent": "百分比", "text": "文本"}
TITLE_MAX, LABEL_MAX, OPTION_MAX, HELP_MAX, UNIT_MAX = 200, 300, 100, 500, 20
MAX_QUESTIONS, MAX_OPTIONS, MAX_ROWS, MAX_PER_ROW, MAX_LENGTH = 200, 50, 50, 10, 5000
SECTION = "main"


@dataclass(frozen=True)
class Theme:
    """主题定义: name, frequency, period (survey window) and scope."""
    title: str
    frequency: str = "month"                 # month / quarter / year
    description: str = ""
    start: str = ""                          # YYYY-MM-DD, "" = open
    end: str = ""
    regions: tuple[str, ...] = ()            # adcodes inside the owner's jurisdiction; () = the whole owner scope
    industries: tuple[str, ...] = ()         # 门类 letters; () = every industry
    sizes: tuple[str, ...] = ()              # of SIZES; () = every size
    manufacturing: str = "all"               # of MANUFACTURING


@dataclass(frozen=True)
class Check:
    """数据校验 of one question (only the settings its type allows are kept)."""
    required: bool = False
    min: float | None = None                 # numbers
    max: float | None = None
    precision: int | None = None             # decimals
    min_length: int | None = None            # text
    max_length: int | None = None
    pattern: str | None = None               # a key of PATTERNS (text)
    min_count: int | None = None             # multiple choice: how many options
    max_count: int | None = None


@dataclass(frozen=True)
class BranchView:
    index: int
    question: str
    question_label: str
    options: tuple[str, ...]
    option_labels: tuple[str, ...]
    to: str
    to_label: str


@dataclass(frozen=True)
class QuestionView:
    number: int
    name: str
    type: str
    type_label: str
    label: str
    required: bool
    options: tuple[tuple[str, str], ...] = ()   # (value, label)
    rows: tuple[str, ...] = ()
    cells: tuple[tuple[str, str], ...] = ()     # (label, type)
    per_row: int | None = None
    help: str = ""
    unit: str = ""
    check: Check = field(default_factory=Check)


def _fail(name: str, message: str) -> ValidationFailed:
    return ValidationFailed({name: [f"{name}：{message}"]})


def _text(name: str, value: Any, most: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise _fail(name, "不能为空。")
    if len(text) > most:
        raise _fail(name, f"长度不能超过 {most} 个字符（当前 {len(text)} 个）。")
    return text


def _date(name: str, value: str) -> str:
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _fail(name, "日期格式须为 YYYY-MM-DD。") from None


# --- the document -------------------------------------------------------------------------------
def _find(doc: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    for i, q in enumerate(_questions(doc)):
        if q["name"] == name:
            return i, q
    raise _fail("题目", f"问卷中没有题目「{name}」。")


def _free_name(existing: set[str], prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in existing:
        n += 1
    return f"{prefix}{n}"


def _finish(doc: dict[str, Any]) -> dict[str, Any]:
    """Compile branches and checks into the engine's fields, then validate with the loader."""
    from services.forms.definitions import validate_document
    compile_rules(doc)
    validate_document(doc)
    return doc


def new_document(code: str, theme: Theme) -> dict[str, Any]:
    """Return a new questionnaire: the theme and one 说明 (a section needs a question; edit or delete it
    once a question follows)."""
    if not NAME_RE.match(code or ""):
        raise _fail("问卷代码", "须以字母开头，只含字母、数字、下划线，不超过 64 个字符。")
    doc: dict[str, Any] = {
        "code": code, "kind": "survey", "title": "", "period": "month",
        "settings": {"columns": 1, "designer": {"branches": [], "checks": {}}},
        "sections": [{"name": SECTION, "title": "问卷", "questions": [
            {"name": "intro", "type": "note", "label": "请根据本单位实际情况如实填写。"}]}],
    }
    return set_theme(doc, theme)


def set_theme(doc: dict[str, Any], theme: Theme) -> dict[str, Any]:
    """主题定义: name, frequency, survey window and scope. (Whether the scope's regions lie inside the
    owner's jurisdiction is checked where the actor is known: ``check_scope``.)"""
    doc = copy.deepcopy(doc)
    title = _text("问卷名称", theme.title, TITLE_MAX)
    if theme.frequency not in FREQUENCIES:
        raise _fail("调查频率", "须为 月、季 或 年。")
    start, end = _date("开始日期", theme.start), _date("截止日期", theme.end)
    if start and end and start > end:
        raise _fail("截止日期", f"不能早于开始日期（{start}）。")
    bad = [s for s in theme.sizes if s not in SIZES]
    if bad:
        raise _fail("企业规模", f"「{'、'.join(bad)}」不是企业规模（可选：{'、'.join(SIZES)}）。")
    if theme.manufacturing not in MANUFACTURING:
        raise _fail("是否制造业", f"须为 {'、'.join(MANUFACTURING.values())} 之一。")
    from services.reference import industry, region
    unknown = [r for r in theme.regions if region(str(r)) is None]
    if unknown:
        raise _fail("调查范围", f"行政区划代码「{'、'.join(unknown)}」不存在。")
    sections = [i for i in theme.industries if (node := industry(str(i))) is None or node.level != "section"]
    if sections:
        raise _fail("行业", f"「{'、'.join(sections)}」不是国民经济行业门类（A–T）。")
    doc["title"] = title
    doc["description"] = _text("问卷说明", theme.description, HELP_MAX, required=False)
    doc["period"] = theme.frequency
    settings = doc.setdefault("settings", {})
    settings["window"] = {"start": start, "end": end}
    settings["scope"] = {"regions": sorted(set(theme.regions)), "industries": sorted(set(theme.industries)),
                         "sizes": [s for s in SIZES if s in theme.sizes], "manufacturing": theme.manufacturing}
    if theme.frequency == "month":  # part of the monthly report (当期报送 step ④)
        settings["monitor"] = {"audience": theme.manufacturing}
    else:
        settings.pop("monitor", None)
    return _finish(doc)


def theme_of(doc: dict[str, Any]) -> Theme:
    """Return the document's 主题定义 (to fill the theme form)."""
    s = doc.get("settings") or {}
    scope, window = s.get("scope") or {}, s.get("window") or {}
    return Theme(str(doc.get("title", "")), str(doc.get("period", "month")), str(doc.get("description", "")),
                 str(window.get("start", "")), str(window.get("end", "")), tuple(scope.get("regions") or ()),
                 tuple(scope.get("industries") or ()), tuple(scope.get("sizes") or ()),
                 str(scope.get("manufacturing", (s.get("monitor") or {}).get("audience", "all"))))


# --- questions ----------------------------------------------------------------------------------
def _labels(name: str, labels: Any, most: int) -> list[str]:
    out = [_text(name, x, OPTION_MAX) for x in (labels or []) if str(x or "").strip()]
    if not out:
        raise _fail(name, "至少需要一项。")
    if len(out) > most:
        raise _fail(name, f"不能超过 {most} 项。")
    dup = sorted({x for x in out if out.count(x) > 1})
    if dup:
        raise _fail(name, f"「{'、'.join(dup)}」重复。")
    return out


def _options(old: list[dict[str, Any]], labels: list[str]) -> list[dict[str, Any]]:
    """Keep an option's value when its label stays (answers and branches keep pointing at it)."""
    by_label = {str(o["label"]): str(o["value"]) for o in old}
    used = set(by_label.values())   # a removed option's value is never given to a new one
    out = []
    for lb in labels:
        value = by_label.get(lb)
        if value is None:
            value = str(next(n for n in range(1, 1000) if str(n) not in used))
            used.add(value)
        out.append({"value": value, "label": lb})
    return out


def _named(old: list[dict[str, Any]], labels: list[str], prefix: str) -> list[dict[str, Any]]:
    by_label = {str(o["label"]): str(o["name"]) for o in old}
    used = {n for lb, n in by_label.items() if lb in labels}
    out = []
    for lb in labels:
        name = by_label.get(lb) or _free_name(used, prefix)
        used.add(name)
        out.append({"name": name, "label": lb})
    return out


def _shape(q: dict[str, Any], options: Any = None, rows: Any = None, cells: Any = None) -> None:
    """Give the question the parts its type needs (options, matrix rows and columns)."""
    t = q["type"]
    if t in CHOICE_TYPES and (options is not None or "choices" not in q):
        q["choices"] = _options(q.get("choices") or [], _labels("选项", options, MAX_OPTIONS))
    if t not in CHOICE_TYPES:
        q.pop("choices", None)
        q.pop("columns", None)
    if t in MATRIX_TYPES and (rows is not None or "rows" not in q):
        q["rows"] = [{**r, "required": bool(q.get("required"))}
                     for r in _named(q.get("rows") or [], _labels("矩阵行", rows, MAX_ROWS), "r")]
    if t not in MATRIX_TYPES:
        q.pop("rows", None)
    if t == "matrix_fill" and (cells is not None or "cells" not in q):
        given = [(c[0], c[1]) if isinstance(c, (list, tuple)) else (c, "decimal") for c in (cells or [])]
        labels = _labels("矩阵列", [lb for lb, _ in given], MAX_ROWS)
        kinds = dict(given)
        bad = [k for k in kinds.values() if k not in CELL_TYPES]
        if bad:
            raise _fail("矩阵列", f"列类型须为 {'、'.join(CELL_TYPES.values())} 之一。")
        q["cells"] = [{**c, "type": kinds[c["label"]]}
                      for c in _named(q.get("cells") or [], labels, "c")]
    if t != "matrix_fill":
        q.pop("cells", None)


def add_question(doc: dict[str, Any], qtype: str, label: str, *, options: Any = None, rows: Any = None,
                 cells: Any = None, required: bool = False, help: str = "", unit: str = "",
                 after: str | None = None) -> dict[str, Any]:
    """问题定义: add a question of ``qtype`` (of DESIGNABLE) at the end, or after question ``after``.

    Choice types need ``options`` (labels); matrices ``rows`` (labels) and, for 矩阵填空, ``cells``
    (labels, or (label, type) pairs). Returns the new document; its new question is the one named
    by ``last_added``."""
    if qtype not in DESIGNABLE:
        raise _fail("题型", f"「{qtype}」不是可设计的题型。")
    doc = copy.deepcopy(doc)
    qs = _questions(doc)
    if len(qs) >= MAX_QUESTIONS:
        raise _fail("题目", f"一份问卷最多 {MAX_QUESTIONS} 道题。")
    name = _free_name({q["name"] for q in qs}, "q")
    q: dict[str, Any] = {"name": name, "type": qtype,
                         "label": _text("题目", label, LABEL_MAX, required=qtype != "note")}
    if help:
        q["help"] = _text("填写说明", help, HELP_MAX, required=False)
    if unit and qtype in NUMBER_TYPES:
        q["unit"] = _text("单位", unit, UNIT_MAX, required=False)
    if qtype != "note":
        q["required"] = bool(required)
    _shape(q, options, rows, cells)
    at = len(qs) if after is None else _find(doc, after)[0] + 1
    qs.insert(at, q)
    doc.setdefault("settings", {})["designer"] = {**_designer(doc), "last_added": name}
    return _finish(doc)


def last_added(doc: dict[str, Any]) -> str | None:
    """Return the name of the question ``add_question`` added last."""
    return _designer(copy.deepcopy(doc)).get("last_added")


def edit_question(doc: dict[str, Any], name: str, *, label: str | None = None, qtype: str | None = None,
                  options: Any = None, rows: Any = None, cells: Any = None, help: str | None = None,
                  unit: str | None = None) -> dict[str, Any]:
    """问题定义: change a question's text, type, options, matrix rows / columns, help or unit.

    Changing the type keeps what the new type can use; branches on options that no longer exist are
    dropped, and so are checks the new type cannot have."""
    doc = copy.deepcopy(doc)
    _, q = _find(doc, name)
    if qtype is not None and qtype != q["type"]:
        if qtype not in DESIGNABLE:
            raise _fail("题型", f"「{qtype}」不是可设计的题型。")
        q["type"] = qtype
        if qtype == "note":
            q.pop("required", None)
    if label is not None:
        q["label"] = _text("题目", label, LABEL_MAX, required=q["type"] != "note")
    if help is not None:
        q["help"] = _text("填写说明", help, HELP_MAX, required=False)
    if unit is not None:
        q["unit"] = _text("单位", unit, UNIT_MAX, required=False)
    if q["type"] not in NUMBER_TYPES:
        q.pop("unit", None)
    _shape(q, options, rows, cells)
    return _finish(doc)


def move_question(doc: dict[str, Any], name: str, offset: int) -> dict[str, Any]:
    """Move a question up (negative ``offset``) or down; refused when a branch would then jump backwards."""
    doc = copy.deepcopy(doc)
    qs = _questions(doc)
    i, q = _find(doc, name)
    j = max(0, min(len(qs) - 1, i + offset))
    qs.insert(j, qs.pop(i))
    order = [x["name"] for x in qs]
    for b in _designer(doc)["branches"]:
        if b["to"] != END and order.index(b["to"]) <= order.index(b["question"]):
            raise _fail("题目顺序", f"移动后「{_label(doc, b['question'])}」的跳转目标「{_label(doc, b['to'])}」"
                                    "将不在其后；请先删除该逻辑分支。")
    return _finish(doc)


def delete_question(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """Delete a question, its branches (from it or to it) and its checks; the last question stays."""
    doc = copy.deepcopy(doc)
    qs = _questions(doc)
    i, _ = _find(doc, name)
    if len(qs) == 1:
        raise _fail("题目", "问卷至少要有一道题。")
    qs.pop(i)
    des = _designer(doc)
    des["branches"] = [b for b in des["branches"] if name not in (b["question"], b["to"])]
    des.get("checks", {}).pop(name, None)
    return _finish(doc)


# --- 逻辑分支 -------------------------------------------------------------------------------------
def add_branch(doc: dict[str, Any], question: str, options: list[str], to: str) -> dict[str, Any]:
    """逻辑分支定义: when ``question`` (single or multiple choice) has any of ``options`` (values) chosen,
    jump to the later question ``to`` or ``"end"`` (end the questionnaire)."""
    doc = copy.deepcopy(doc)
    i, q = _find(doc, question)
    if q["type"] not in ("single", "multiple"):
        raise _fail("逻辑分支", "只有单选题和多选题可以设置跳转。")
    values = {str(c["value"]) for c in q.get("choices") or []}
    picked = [str(o) for o in options or []]
    if not picked:
        raise _fail("跳转选项", "请至少勾选一个选项。")
    if any(o not in values for o in picked):
        raise _fail("跳转选项", "所选选项不属于该题。")
    if to != END:
        j, _ = _find(doc, to)
        if j <= i:
            raise _fail("跳转到", "只能跳转到该题后面的题目或结束问卷。")
    branches = _designer(doc)["branches"]
    taken = {o for b in branches if b["question"] == question for o in b["options"]}
    if taken & set(picked):
        raise _fail("跳转选项", "所选选项已有跳转；请先删除原有分支。")
    branches.append({"question": question, "options": [str(c["value"]) for c in q["choices"]
                                                       if str(c["value"]) in picked], "to": to})
    return _finish(doc)


def delete_branch(doc: dict[str, Any], index: int) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    branches = _designer(doc)["branches"]
    if not 0 <= index < len(branches):
        raise _fail("逻辑分支", "该分支不存在。")
    branches.pop(index)
    return _finish(doc)


def _label(doc: dict[str, Any], name: str) -> str:
    if name == END:
        return "结束问卷"
    for n, q in enumerate(_questions(doc), 1):
        if q["name"] == name:
            return f"{n}. {q.get('label', '')}"
    return name


def branches(doc: dict[str, Any]) -> list[BranchView]:
    """Return the branches as the pickers show them."""
    out = []
    for i, b in enumerate(((doc.get("settings") or {}).get("designer") or {}).get("branches") or []):
        _, q = _find(doc, b["question"])
        labels = {str(c["value"]): str(c["label"]) for c in q.get("choices") or []}
        out.append(BranchView(i, b["question"], _label(doc, b["question"]), tuple(b["options"]),
                              tuple(labels.get(o, o) for o in b["options"]), b["to"], _label(doc, b["to"])))
    return out


# --- 数据校验 and 布局 ---------------------------------------------------------------------------
def _bounds(labels: tuple[str, str], lo: int | None, hi: int | None, least: int, most: int,
            unit: str) -> tuple[int | None, int | None]:
    """Check a pair of whole-number bounds (each within least–most, the lower not above the upper)."""
    for label, n in zip(labels, (lo, hi)):
        if n is not None and not least <= n <= most:
            raise _fail(label, f"须为 {least}–{most}{' ' + unit if unit else ''}。")
    if lo is not None and hi is not None and lo > hi:
        raise _fail(labels[1], f"不能少于{labels[0]}（{lo}{' ' + unit if unit else ''}）。")
    return lo, hi


def set_check(doc: dict[str, Any], name: str, check: Check) -> dict[str, Any]:
    """数据校验定义: required, number range and decimals, text length and pattern, how many options."""
    doc = copy.deepcopy(doc)
    _, q = _find(doc, name)
    t = q["type"]
    if t == "note":
        raise _fail("数据校验", "说明文字没有校验规则。")
    q["required"] = bool(check.required)
    for r in q.get("rows") or []:
        r["required"] = bool(check.required)
    for key in ("min", "max", "precision"):
        q.pop(key, None)
    kept: dict[str, Any] = {}
    if t in NUMBER_TYPES:
        lo, hi = check.min, check.max
        if lo is not None and hi is not None and lo > hi:
            raise _fail("取值范围", f"最小值（{lo:g}）不能大于最大值（{hi:g}）。")
        if lo is not None:
            q["min"] = lo
        if hi is not None:
            q["max"] = hi
        if check.precision is not None and t in ("decimal", "percent"):
            if not 0 <= check.precision <= 6:
                raise _fail("小数位数", "须为 0–6。")
            q["precision"] = int(check.precision)
    if t in TEXT_TYPES:
        lo_n, hi_n = _bounds(("最少字数", "最多字数"), check.min_length, check.max_length, 0, MAX_LENGTH, "")
        if check.pattern is not None and check.pattern not in PATTERNS:
            raise _fail("格式", f"须为 {'、'.join(p[0] for p in PATTERNS.values())} 之一。")
        kept = {"min_length": lo_n, "max_length": hi_n, "pattern": check.pattern}
    if t == "multiple":
        lo_c, hi_c = _bounds(("最少选择", "最多选择"), check.min_count, check.max_count, 1, len(q.get("choices") or []), "项")
        kept = {"min_count": lo_c, "max_count": hi_c}
    checks = _designer(doc).setdefault("checks", {})
    kept = {k: v for k, v in kept.items() if v is not None}
    if kept:
        checks[name] = kept
    else:
        checks.pop(name, None)
    return _finish(doc)


def check_of(doc: dict[str, Any], name: str) -> Check:
    """Return a question's 数据校验 (to fill the check form)."""
    _, q = _find(doc, name)
    extra = ((doc.get("settings") or {}).get("designer") or {}).get("checks", {}).get(name, {})
    return Check(bool(q.get("required") is True), q.get("min"), q.get("max"), q.get("precision"),
                 extra.get("min_length"), extra.get("max_length"), extra.get("pattern"),
                 extra.get("min_count"), extra.get("max_count"))


def set_layout(doc: dict[str, Any], name: str | None, per_row: int) -> dict[str, Any]:
    """布局定义: options per row of a choice question (``name``), or the questionnaire's default (None)."""
    if not 1 <= int(per_row) <= MAX_PER_ROW:
        raise _fail("每行选项数", f"须为 1–{MAX_PER_ROW}。")
    doc = copy.deepcopy(doc)
    if name is None:
        doc.setdefault("settings", {})["columns"] = int(per_row)
    else:
        _, q = _find(doc, name)
        if q["type"] not in CHOICE_TYPES:
            raise _fail("每行选项数", "只有选择题可以设置每行显示的选项数。")
        q["columns"] = int(per_row)
    return _finish(doc)


# --- reading ------------------------------------------------------------------------------------
def questions(doc: dict[str, Any]) -> list[QuestionView]:
    """Return the questions as the designer lists them (numbered from 1)."""
    out = []
    for n, q in enumerate(_questions(doc), 1):
        out.append(QuestionView(
            n, q["name"], q["type"], QUESTION_TYPES[q["type"]].label, str(q.get("label", "")),
            q.get("required") is True, tuple((str(c["value"]), str(c["label"])) for c in q.get("choices") or []),
            tuple(str(r["label"]) for r in q.get("rows") or []),
            tuple((str(c["label"]), str(c.get("type", "decimal"))) for c in q.get("cells") or []),
            q.get("columns"), str(q.get("help", "")), str(q.get("unit", "")), check_of(doc, q["name"])))
    return out


def is_designed(doc: dict[str, Any]) -> bool:
    """True for a document the designer can edit (a survey with one section of plain questions)."""
    secs = doc.get("sections") or []
    return (doc.get("kind") == "survey" and len(secs) == 1 and "groups" not in secs[0]
            and all(q.get("type") in DESIGNABLE for q in secs[0].get("questions") or []))
