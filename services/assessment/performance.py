"""质量绩效参数: the calculated results of a grading definition's ``performance_section``, each with
the reason it cannot be computed yet (a missing input, a divisor of 0) as a Chinese message.

The form engine computes ``calculated`` questions too, but it returns None for both a missing input
and a division by zero (``services/forms/expr.py``); this module tells the respondent which one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.forms import expr
from services.forms.schema import Definition, Question
from services.core.numbers import to_number


@dataclass(frozen=True)
class PerfResult:
    indicator: str          # the performance indicator (group title): "内部质量损失率"
    name: str               # the calculated question
    label: str
    formula: str            # the question's help: "内部质量损失率 = 年度内部损失成本 / 年度工业总产值 × 100%"
    unit: str
    value: float | None     # rounded to the question's precision; None with a message
    message: str = ""       # why there is no value ("" when computed)


def _label(d: Definition, name: str) -> str:
    return f"「{d.question(name).label}」"


def _divisors(node: Any) -> list[Any]:
    """Every right-hand side of a ``/`` or ``%`` in the expression tree."""
    out: list[Any] = []
    if isinstance(node, expr.Binary):
        if node.op in ("/", "%"):
            out.append(node.right)
        out += _divisors(node.left) + _divisors(node.right)
    elif isinstance(node, expr.Unary):
        out += _divisors(node.operand)
    elif isinstance(node, expr.Call):
        for a in node.args:
            out += _divisors(a)
    return out


def result(d: Definition, q: Question, answers: dict[str, Any], indicator: str = "") -> PerfResult:
    """Compute one calculated question over ``answers`` (or say in Chinese why it cannot be)."""
    assert q.calculation
    node = expr.parse(q.calculation)
    env = expr.DictEnv(answers)
    base = dict(indicator=indicator or q.label, name=q.name, label=q.label, formula=q.help, unit=q.unit)
    refs = sorted(expr.references(node), key=lambda n: [x.name for x in d.questions()].index(n))
    missing = [r for r in refs if answers.get(r) is None or str(answers.get(r)).strip() == ""]
    if missing:
        return PerfResult(**base, value=None,
                          message=f"请先填写{'、'.join(_label(d, r) for r in missing)}，才能计算{q.label}。")
    bad = [r for r in refs if to_number(answers.get(r)) is None]
    if bad:
        return PerfResult(**base, value=None, message=f"{'、'.join(_label(d, r) for r in bad)}不是数字，无法计算{q.label}。")
    for divisor in _divisors(node):
        if to_number(expr.evaluate(divisor, env)) == 0:
            names = sorted(expr.references(divisor), key=refs.index)
            who = "、".join(_label(d, r) for r in names) or "除数"
            return PerfResult(**base, value=None,
                              message=f"{who}为 0，无法计算{q.label}（除数不能为 0），请填写大于 0 的数值。")
    value = to_number(expr.evaluate(node, env))
    if value is None:
        return PerfResult(**base, value=None, message=f"无法计算{q.label}，请检查各项输入。")
    return PerfResult(**base, value=round(float(value), q.precision if q.precision is not None else 2))


def performance(d: Definition, answers: dict[str, Any]) -> list[PerfResult]:
    """Return every result of the performance section, in definition order (empty without one)."""
    g = d.assessment.grading if d.assessment else None
    if g is None or g.performance_section is None:
        return []
    section = next(s for s in d.sections if s.name == g.performance_section)
    return [result(d, q, answers, grp.title) for grp in section.groups for q in grp.questions
            if q.type == "calculated" and q.calculation]
