"""Evaluate a response against its definition: visibility and branching, calculations, validation
(errors block, warnings are recorded), per-section progress and scores.

Answer shapes: single → "value"; multiple → ["v", …]; numbers → "12.5" (strings keep decimals exact) or
numbers; matrix_single → {row: value}; matrix_multiple → {row: [values]}; matrix_fill → {row: {cell: value}};
a repeatable group → [{question: value, …}, …]; file → {"name", "sha256", "size", "path"}; "not applicable" → NA.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.forms import expr
from services.forms.functions import number_problem, to_number
from services.forms.scoring import NA, Scores, is_empty, score, scorable, section_score  # noqa: F401 - re-exported
from services.forms.schema import Constraint, Definition, Group, MatrixRow, Question, Section
from services.forms.typecheck import TEXT_MAX, type_problems
from services.core.lengths import too_long

@dataclass(frozen=True)
class Context:
    """What a response is evaluated in: the respondent's organisation, the period, the earlier period."""

    org: dict[str, Any] = field(default_factory=dict)
    period: str | None = None                  # "2026-02" for a monthly report
    previous: dict[str, Any] | None = None     # answers of the earlier period (only when approved)
    previous_year: dict[str, Any] | None = None


@dataclass(frozen=True)
class Finding:
    """One broken rule: ``severity`` "error" blocks saving the step; "warning" is recorded."""

    severity: str
    message: str
    question: str | None = None
    section: str | None = None
    rule: str | None = None
    fields: tuple[str, ...] = ()
    cell: tuple[str, str] | None = None  # (row, column) of a matrix_fill question


@dataclass
class Evaluation:
    values: dict[str, Any]
    visible_sections: list[str]
    visible: set[str]
    findings: list[Finding]
    progress: dict[str, tuple[int, int]]     # section -> (answered, total)
    scores: Scores | None
    context: Context = field(default_factory=Context)
    choices: dict[str, list[str]] = field(default_factory=dict)  # allowed option values where a filter applies
    rows: dict[str, list[str]] = field(default_factory=dict)     # shown rows of matrices with conditional rows

    def errors(self, section: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and (section is None or f.section == section)]

    def warnings(self, section: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning" and (section is None or f.section == section)]

    def totals(self) -> tuple[int, int]:
        answered = sum(a for a, _ in self.progress.values())
        return answered, sum(t for _, t in self.progress.values())


class _Env:
    def __init__(self, d: Definition, values: dict[str, Any], ctx: Context, hidden: set[str],
                 scores: Scores | None = None, row: dict[str, Any] | None = None, current: Any = None,
                 choice: dict[str, Any] | None = None):
        self.d, self.values, self.ctx, self.hidden, self.scores = d, values, ctx, hidden, scores
        self.row, self.current, self.choice = row, current, choice

    def _resolve(self, name: str, source: dict[str, Any]) -> Any:
        head, _, rest = name.partition(".")
        if head in self.hidden:
            return None
        v = source.get(head)
        if not rest:
            return v
        parts = rest.split(".")
        if isinstance(v, list):  # repeat group column
            return [r.get(parts[0]) for r in v if isinstance(r, dict)]
        for p in parts:
            v = v.get(p) if isinstance(v, dict) else None
        return v

    def value(self, name: str) -> Any:
        if name == ".":
            return self.current
        head, _, rest = name.partition(".")
        if head == "org":
            return self.ctx.org.get(rest)
        if head == "period":
            if not self.ctx.period:
                return None
            return {"": self.ctx.period, "year": int(self.ctx.period[:4]),
                    "month": int(self.ctx.period[5:7]) if len(self.ctx.period) >= 7 else None}.get(rest)
        if head == "score":
            if self.scores is None:
                return None
            return self.scores.sections.get(rest, self.scores.groups.get(rest, self.scores.total if rest == "total" else None))
        if head == "row":
            return (self.row or {}).get(rest)
        if head == "choice":
            return (self.choice or {}).get(rest)
        if self.row is not None and not rest and name in self.row:
            return self.row.get(name)
        return self._resolve(name, self.values)

    def previous(self, name: str) -> Any:
        if self.ctx.previous is None:
            return None
        if name.startswith("row.") and self.row is not None:
            return None
        return self._resolve(name, self.ctx.previous)

    def with_(self, current: Any = None, row: dict[str, Any] | None = None,
              choice: dict[str, Any] | None = None) -> "_Env":
        return _Env(self.d, self.values, self.ctx, self.hidden, self.scores, row if row is not None else self.row,
                    current, choice)


def allowed_choices(q: Question, env: _Env) -> list[str]:
    """Return the option values ``q.choice_filter`` lets through (``${choice.value}``, ``${choice.attr}``)."""
    if not q.choice_filter:
        return [c.value for c in q.choices]
    return [c.value for c in q.choices
            if _run(q.choice_filter, env.with_(choice={"value": c.value, "label": c.label, **c.attrs})) is True]


def _run(src: str | None, env: _Env) -> Any:
    return None if not src else expr.evaluate(expr.parse(src), env)


def _calculate(d: Definition, values: dict[str, Any], env: _Env) -> None:
    for q in d.questions():
        if q.type == "calculated" and q.calculation:
            v = _run(q.calculation, env)
            values[q.name] = None if v is None else (str(v) if isinstance(v, Decimal) else v)
        for cell in q.cells:
            if cell.calculation and isinstance(values.get(q.name), dict):
                for row in q.rows:
                    row_vals = values[q.name].setdefault(row.name, {})
                    v = _run(cell.calculation, env.with_(row=row_vals))
                    if isinstance(v, Decimal) and cell.precision is not None:
                        v = round(v, int(cell.precision))
                    row_vals[cell.name] = None if v is None else str(v)


class _Checker:
    def __init__(self, d: Definition, values: dict[str, Any], env: _Env):
        self.d, self.values, self.env = d, values, env
        self.findings: list[Finding] = []
        self.choices: dict[str, list[str]] = {}

    def add(self, severity: str, message: str, q: str | None, section: str, rule: str | None = None,
            fields: tuple[str, ...] = (), cell: tuple[str, str] | None = None) -> None:
        self.findings.append(Finding(severity, message, q, section, rule, fields, cell))

    def constraints(self, rules: tuple[Constraint, ...], env: _Env, label: str, q: str | None, section: str,
                    cell: tuple[str, str] | None = None) -> None:
        for c in rules:
            if _run(c.rule, env) is False:
                self.add(c.severity, f"{label}：{c.message}", q, section, c.rule, c.fields, cell)

    def required(self, q: Question, env: _Env) -> bool:
        if isinstance(q.required, str):
            return _run(q.required, env) is True
        return bool(q.required)

    def question(self, q: Question, v: Any, env: _Env, section: str, label: str) -> None:
        if q.type in ("note",):
            return
        if is_empty(v):
            if q.type != "calculated" and self.required(q, env):
                self.add("error", f"{label}：必填项，请填写。", q.name, section, "required")
            return
        for msg in type_problems(q, v, label):
            self.add("error", msg, q.name, section, "type")
        if q.choice_filter and q.type in ("single", "multiple"):
            allowed = set(allowed_choices(q, env))
            self.choices[q.name] = [c.value for c in q.choices if c.value in allowed]
            picked = v if isinstance(v, list) else [v]
            if any(str(x) not in allowed and x != NA for x in picked):
                self.add("error", f"{label}：所选选项不适用于当前情况，请重新选择。", q.name, section, "choice_filter")
        if q.type == "matrix_fill":
            self.matrix_fill(q, v, env, section, label)
        elif q.qtype.matrix:
            self.matrix_choice(q, v, env, section, label)
        if v != NA:
            self.constraints(q.constraints, env.with_(current=v), label, q.name, section)

    def matrix_choice(self, q: Question, v: Any, env: _Env, section: str, label: str) -> None:
        valid = {c.value for c in q.choices}
        for row in q.rows:
            if row.show_if and _run(row.show_if, env) is not True:
                continue
            cell = v.get(row.name) if isinstance(v, dict) else None
            if is_empty(cell):
                if row.required or q.required is True:
                    self.add("error", f"{label} › {row.label}：必填项，请选择。", q.name, section, "required")
                continue
            chosen = cell if isinstance(cell, list) else [cell]
            if any(str(c) not in valid for c in chosen):
                self.add("error", f"{label} › {row.label}：选项无效。", q.name, section, "type")

    def matrix_fill(self, q: Question, v: Any, env: _Env, section: str, label: str) -> None:
        for row in q.rows:
            if row.show_if and _run(row.show_if, env) is not True:
                continue
            vals = v.get(row.name) if isinstance(v, dict) else None
            vals = vals if isinstance(vals, dict) else {}
            for cell in q.cells:
                if cell.calculation:
                    continue
                where = f"{label} › {row.label} › {cell.label}"
                x = vals.get(cell.name)
                at = (row.name, cell.name)
                if is_empty(x):
                    if row.required and cell.required:
                        self.add("error", f"{where}：必填项，请填写。", q.name, section, "required", cell=at)
                    continue
                if cell.type in ("integer", "decimal", "percent") and to_number(x) is None:
                    self.add("error", f"{where}：{number_problem(x) or '须为数字'}。", q.name, section, "type", cell=at)
                    continue
                if (long := too_long(where, str(x), TEXT_MAX["text"])):
                    self.add("error", long[0], q.name, section, "type", cell=at)
                    continue
                self.constraints(cell.constraints + row.constraints, env.with_(current=x, row=vals), where, q.name,
                                 section, at)


def _visibility(d: Definition, values: dict[str, Any], env: _Env) -> tuple[list[str], set[str], set[str]]:
    """Return (visible sections, visible question names, hidden names) in document order."""
    visible_sections: list[str] = []
    visible: set[str] = set()
    hidden = env.hidden
    skip_to: str | None = None
    gated = False  # an earlier section with a gate has not reached its minimum score
    for s in d.sections:
        s_on = not (gated and any(scorable(q) for q in s.questions)) and (not s.show_if or _run(s.show_if, env) is True)
        if s_on:
            visible_sections.append(s.name)
        for g in s.groups:
            g_on = s_on and (not g.show_if or _run(g.show_if, env) is True)
            if g.repeat:
                (visible if g_on and skip_to is None else hidden).add(g.name)
            for q in g.questions:
                if skip_to is not None and q.name == skip_to:
                    skip_to = None
                on = g_on and skip_to is None and (g.repeat or not q.show_if or _run(q.show_if, env) is True)
                if on:
                    visible.add(q.name)
                    hidden.discard(q.name)
                    if not g.repeat:
                        for b in q.branches:
                            if not is_empty(values.get(q.name)) and _run(b.condition, env) is True:
                                skip_to = b.to
                                break
                else:
                    hidden.add(q.name)
        if s.gate is not None and s_on and not gated:
            got = section_score(d, s, values, visible, _runner(env))
            gated = got is None or got < Decimal(str(s.gate))
    return visible_sections, visible, hidden


def _runner(env: _Env) -> Callable[[str, Any], Any]:
    return lambda src, current: _run(src, env.with_(current=current))


def _settle(d: Definition, values: dict[str, Any], env: _Env) -> tuple[list[str], set[str]]:
    """Calculate, decide visibility, then calculate again without hidden values (and re-decide)."""
    _calculate(d, values, env)
    _visibility(d, values, env)
    _calculate(d, values, env)
    sections, visible, _ = _visibility(d, values, env)
    return sections, visible


def evaluate(d: Definition, answers: dict[str, Any], ctx: Context | None = None,
             with_scores: bool = True) -> Evaluation:
    """Evaluate ``answers`` (not modified) against definition ``d``."""
    ctx = ctx or Context()
    values: dict[str, Any] = copy.deepcopy(answers)
    env = _Env(d, values, ctx, set())
    sections, visible = _settle(d, values, env)
    scores = score(d, values, visible, _runner(env)) if (with_scores and d.scoring) else None
    if scores is not None and _uses_scores(d):
        env = _Env(d, values, ctx, set(), scores)
        sections, visible = _settle(d, values, env)
    rows = {q.name: [r.name for r in _shown_rows(q, env)] for q in d.questions()
            if q.name in visible and any(r.show_if for r in q.rows)}
    for name, shown in rows.items():  # values in rows the form does not show are not evaluated
        if isinstance(values.get(name), dict):
            values[name] = {k: v for k, v in values[name].items() if k in shown}
    checker = _Checker(d, values, env)
    progress: dict[str, tuple[int, int]] = {}
    for s in d.sections:
        answered = total = 0
        if s.name in sections:
            for g in s.groups:
                if g.repeat:
                    if g.name in visible:
                        _check_repeat(checker, g, values.get(g.name), env, s)
                        total += 1
                        answered += 0 if is_empty(values.get(g.name)) else 1
                    continue
                for q in g.questions:
                    if q.name not in visible:
                        continue
                    v = values.get(q.name)
                    checker.question(q, v, env, s.name, q.label or q.name)
                    if q.answerable:
                        total += 1
                        answered += 0 if is_empty(v) else 1
        progress[s.name] = (answered, total)
    for c in d.rules:
        if _run(c.rule, env) is False:
            sec = next((s.name for s in d.sections for q in s.questions if c.fields and q.name == c.fields[0].split(".")[0]),
                       None)
            checker.add(c.severity, c.message, c.fields[0] if c.fields else None, sec or "", c.rule, c.fields)
    for q in d.questions():  # filtered options of visible but unanswered questions, for the renderer
        if q.choice_filter and q.name in visible and q.name not in checker.choices:
            checker.choices[q.name] = allowed_choices(q, env)
    return Evaluation(values, sections, visible, checker.findings, progress, scores, ctx, checker.choices, rows)


def visible_rows(d: Definition, question: str, ctx: Context | None = None) -> list[MatrixRow]:
    """Return the rows of matrix ``question`` the form shows in ``ctx`` (those whose ``show_if`` holds)."""
    return _shown_rows(d.question(question), _Env(d, {}, ctx or Context(), set()))


def _shown_rows(q: Question, env: _Env) -> list[MatrixRow]:
    return [r for r in q.rows if not r.show_if or _run(r.show_if, env) is True]


def _check_repeat(checker: _Checker, g: Group, rows: Any, env: _Env, s: Section) -> None:
    rows = rows if isinstance(rows, list) else []
    title = g.title or g.name
    if len(rows) < g.min_rows:
        checker.add("error", f"{title}：至少填写 {g.min_rows} 行。", g.name, s.name, "min_rows")
    if len(rows) > g.max_rows:
        checker.add("error", f"{title}：最多 {g.max_rows} 行。", g.name, s.name, "max_rows")
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        row_env = env.with_(row=row)
        for q in g.questions:
            if q.show_if and _run(q.show_if, row_env) is not True:
                continue
            checker.question(q, row.get(q.name), row_env, s.name, f"{title} 第 {i + 1} 行 › {q.label or q.name}")


def _uses_scores(d: Definition) -> bool:
    cached = d.__dict__.get("_uses_scores")
    if cached is None:
        srcs = [s.show_if for s in d.sections] + [g.show_if for s in d.sections for g in s.groups] + \
               [q.show_if for q in d.questions()] + [c.rule for c in d.rules]
        cached = any("${score." in (x or "") for x in srcs)
        object.__setattr__(d, "_uses_scores", cached)
    return bool(cached)
