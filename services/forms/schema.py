"""Definitions as data: read → normalise aliases → validate → typed tree.

A definition is a YAML/JSON document (see specs/README.md). ``services.forms.loader.load_definition``
returns this module's frozen ``Definition`` or raises ``DefinitionInvalid`` listing every problem,
each with a stable code and a message naming the file, the question and the rule (as pyxform does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.forms.types import QUESTION_TYPES, QType

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
RESERVED = {"org", "period", "score", "row", "choice", "prev"}

# Stable error codes (never renumbered; add new ones at the end).
CODES = {
    "D001": "缺少必填项", "D002": "未知的题型", "D003": "名称重复", "D004": "名称格式不正确",
    "D005": "选项列表不存在或为空", "D006": "表达式语法错误", "D007": "引用了不存在的题目",
    "D008": "计算存在循环引用", "D009": "跳转目标无效", "D010": "选项值重复或缺失", "D011": "矩阵缺少行或列",
    "D012": "评分配置无效", "D013": "数值设置无效", "D014": "文件设置无效", "D015": "定义类型或周期无效",
    "D016": "文档格式错误", "D017": "重复组设置无效",
    # the assessment block (``assessment:``, see specs/README.md)
    "D018": "测评等级设置无效", "D019": "裁剪设置无效", "D020": "次数限制无效", "D021": "评审部分无效",
    "D022": "统计维度无效",
    # clause grading (``assessment.grading``, the quality self-assessment; services/assessment/tiers.py)
    "D023": "评级规则设置无效", "D024": "条款题组无效", "D025": "条款数量或顺序无效", "D026": "绩效参数无效",
}


@dataclass(frozen=True)
class DefinitionIssue:
    code: str
    message: str
    where: str = ""   # e.g. "问题 revenue › show_if"

    def render(self, source: str) -> str:
        place = " › ".join(p for p in (source, self.where) if p)
        return f"[{self.code}] {place}：{CODES.get(self.code, '')}——{self.message}"


class DefinitionInvalid(ValueError):
    """Raised with every problem of a definition; ``str()`` lists them, one per line."""

    def __init__(self, issues: list[DefinitionIssue], source: str = ""):
        self.issues, self.source = issues, source
        super().__init__("\n".join(i.render(source) for i in issues))


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    score: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Constraint:
    rule: str
    message: str
    severity: str = "error"
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Branch:
    condition: str
    to: str  # a later question's name, or "end"


@dataclass(frozen=True)
class MatrixRow:
    name: str
    label: str
    unit: str = ""
    show_if: str | None = None
    required: bool = False
    constraints: tuple["Constraint", ...] = ()  # checked on every filled value cell of this row


@dataclass(frozen=True)
class Cell:
    name: str
    label: str
    type: str = "decimal"
    unit: str = ""
    precision: int | None = None
    calculation: str | None = None
    constraints: tuple[Constraint, ...] = ()
    required: bool = True  # when its row is required


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: str
    help: str = ""
    example: str = ""
    required: bool | str = False          # True/False or a required-if expression
    show_if: str | None = None
    constraints: tuple[Constraint, ...] = ()
    calculation: str | None = None
    choices: tuple[Choice, ...] = ()
    choice_filter: str | None = None
    not_applicable: bool = False
    columns: int | None = None             # options per row (每行显示选项数)
    unit: str = ""
    precision: int | None = None
    min: float | None = None
    max: float | None = None
    rows: tuple[MatrixRow, ...] = ()
    cells: tuple[Cell, ...] = ()
    file_types: tuple[str, ...] = ()
    max_mb: float = 10
    weight: float = 1.0
    score: str | None = None               # expression for a custom question score
    tags: dict[str, str] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()

    @property
    def qtype(self) -> QType:
        return QUESTION_TYPES[self.type]

    @property
    def answerable(self) -> bool:
        return self.type not in ("note", "calculated")


@dataclass(frozen=True)
class Group:
    name: str
    title: str
    questions: tuple[Question, ...]
    show_if: str | None = None
    repeat: bool = False
    min_rows: int = 0
    max_rows: int = 200
    add_label: str = "添加一行"
    weight: float = 1.0
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    groups: tuple[Group, ...]
    description: str = ""
    show_if: str | None = None
    weight: float = 1.0
    gate: float | None = None  # minimum section score to go on to the next section

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for g in self.groups for q in g.questions)


@dataclass(frozen=True)
class Outcome:
    label: str
    min: float | None = None
    max: float | None = None
    max_inclusive: bool = False


@dataclass(frozen=True)
class Scoring:
    group_method: str = "mean"              # mean / weighted_mean / sum
    section_method: str = "weighted_mean"   # of group scores, by group weight
    total_method: str = "sum"               # sum / mean / weighted_mean / cumulative
    pass_score: float | None = None         # with cumulative: stop after the first section below it
    outcomes: tuple[Outcome, ...] = ()
    aggregate_tags: tuple[str, ...] = ()    # e.g. ("domain",): mean group score per tag value
    decimals: int = 2


@dataclass(frozen=True)
class Tier:
    """One level of a tier-based assessment: a section answered in turn, passed at ``gate``."""
    level: int              # 1, 2, …: what the result keeps (0 = below the first tier)
    section: str
    label: str              # "一级 规划级"
    gate: float             # the section's own gate, else scoring.pass
    outcome: str = ""       # the scoring outcome label that means this tier ("一级")


@dataclass(frozen=True)
class Dimension:
    """A result dimension kept for statistics: one score per value (a group tag's mean)."""
    name: str               # "domain"
    tag: str                # the group tag averaged (one of scoring.aggregate_tags)
    label: str
    values: tuple[str, ...]  # every value, in the order statistics show them
    column: str = ""        # a wide summary's column prefix (db/stats.py), if it has one


@dataclass(frozen=True)
class GradeLevel:
    """One tier of clause grading (经验级 …): clauses tagged ``key`` belong to it; level = position."""
    level: int              # 1, 2, …
    key: str                # the value of the clause groups' tier tag ("L1")
    label: str              # "经验级"
    description: str = ""   # the tier's characteristics (shown beside the clauses)


@dataclass(frozen=True)
class Grading:
    """``assessment.grading``: how clause conformity becomes tiers (services/assessment/tiers.py).

    A clause is a group of a graded section, tagged with its second-level indicator and its tier,
    holding ``<group>_<conformity>`` (single choice), ``<group>_<description>`` and ``<group>_<evidence>``."""
    levels: tuple[GradeLevel, ...]
    below_label: str
    sections: tuple[str, ...]           # the graded sections = first-level indicators
    indicator_tag: str = "indicator"    # group tag naming the second-level indicator ("6.2.1 …")
    level_tag: str = "tier"             # group tag naming the clause's tier (a GradeLevel.key)
    conformity: str = "conf"            # question suffixes inside a clause group
    description: str = "desc"
    evidence: str = "files"
    full: str = "2"                     # choice values: 符合 / 基本符合 / 不符合
    partial: str = "1"
    none: str = "0"
    partial_max: int = 1                # 基本符合 allowed in tiers 1..k for a second-level tier k
    min_clauses: int = 1                # clauses per tier per second-level indicator (D025)
    first_level: str = "min"            # min | floor_mean of the second-level tiers
    overall: str = "min"                # min | floor_mean of the first-level tiers
    performance_section: str | None = None  # 质量绩效参数 (inputs and calculated results)

    def label(self, level: int | None) -> str:
        """Return a tier's label, ``below_label`` for 0 and "未评级" for None (nothing to grade)."""
        if level is None:
            return "未评级"
        return next((x.label for x in self.levels if x.level == level), self.below_label)


@dataclass(frozen=True)
class Assessment:
    """``assessment:``: how a tier-based assessment runs (services.assessment reads nothing else)."""
    tiers: tuple[Tier, ...]
    below_label: str = "未达到第一级"
    after_tiers: str | None = None          # the section filled after the tiers (or none)
    tailoring_question: str | None = None   # a multiple-choice question whose chosen values are skipped
    tailorable: tuple[tuple[str, str], ...] = ()  # (value, label) that may be tailored
    limit_per: str = "month"                # month / quarter / year (China time)
    limit_max: int | None = None            # attempts started per period; abandoned ones do not count
    assessor_sections: tuple[str, ...] = ()  # written only by an assessor
    assessor_permission: str = ""
    dimensions: tuple[Dimension, ...] = ()
    advance_seconds: int = 0                # pause shown before the next tier opens
    noun: str = "测评"                      # what users call one attempt ("自诊断")
    grading: Grading | None = None          # clause conformity → tiers (the quality self-assessment)

    def status_label(self, status: str) -> str:
        """Return an attempt's status as users read it ("诊断中" for a 自诊断 in progress)."""
        running = f"{self.noun[-2:]}中" if self.noun.endswith(("诊断", "评估")) else "进行中"
        return {"in_progress": running, "completed": "已完成", "abandoned": "已放弃"}.get(status, "处理中")

    def tier(self, level: int) -> Tier:
        return next(t for t in self.tiers if t.level == level)

    def tier_of(self, section: str) -> Tier | None:
        return next((t for t in self.tiers if t.section == section), None)

    def level_label(self, level: int | None) -> str:
        """Return the tier's label, ``below_label`` for 0, "" for None."""
        if level is None:
            return ""
        return next((t.label for t in self.tiers if t.level == level), self.below_label)

    def level_of_outcome(self, outcome: str | None) -> int:
        return next((t.level for t in self.tiers if outcome and t.outcome == outcome), 0)

    def dimension(self, name: str) -> Dimension:
        return next(d for d in self.dimensions if d.name == name)


@dataclass(frozen=True)
class Definition:
    code: str
    kind: str
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    period: str = "none"
    version: int | None = None
    columns: int = 1
    rules: tuple[Constraint, ...] = ()
    scoring: Scoring | None = None
    assessment: Assessment | None = None
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, name: str) -> Question:
        return self._index()[name]

    def group_of(self, name: str) -> Group:
        return self._groups()[name]

    def _index(self) -> dict[str, Question]:
        cache = self.__dict__.get("_qindex")
        if cache is None:
            cache = {q.name: q for q in self.questions()}
            object.__setattr__(self, "_qindex", cache)
        return cache

    def _groups(self) -> dict[str, Group]:
        cache = self.__dict__.get("_gindex")
        if cache is None:
            cache = {q.name: g for s in self.sections for g in s.groups for q in g.questions}
            object.__setattr__(self, "_gindex", cache)
        return cache
