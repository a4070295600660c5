"""Declared scoring: option scores and weights → group → section → total, outcomes, tag aggregates."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.forms.functions import to_number
from services.forms.schema import Definition, Question, Scoring, Section

NA = "__na__"
Runner = Callable[[str, Any], Any]  # (expression, the question's own value) -> result


def is_empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, (list, dict, tuple)) and len(v) == 0)


@dataclass
class Scores:
    questions: dict[str, Decimal] = field(default_factory=dict)
    groups: dict[str, Decimal] = field(default_factory=dict)
    sections: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal | None = None
    outcome: str | None = None
    by_tag: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def rounded(self, decimals: int = 2) -> dict[str, Any]:
        """Return a JSON-friendly copy with floats rounded for display."""
        def r(v: Decimal | None) -> float | None:
            return None if v is None else float(round(v, decimals))
        return {"questions": {k: r(v) for k, v in self.questions.items()},
                "groups": {k: r(v) for k, v in self.groups.items()},
                "sections": {k: r(v) for k, v in self.sections.items()}, "total": r(self.total),
                "outcome": self.outcome,
                "by_tag": {t: {k: r(v) for k, v in m.items()} for t, m in self.by_tag.items()}}



def _aggregate(method: str, items: list[tuple[Decimal, float]]) -> Decimal | None:
    if not items:
        return None
    if method == "sum":
        return sum((v for v, _ in items), Decimal(0))
    if method == "weighted_mean":
        total_w = sum(Decimal(str(w)) for _, w in items)
        return sum((v * Decimal(str(w)) for v, w in items), Decimal(0)) / total_w if total_w else None
    return sum((v for v, _ in items), Decimal(0)) / len(items)


def scorable(q: Question) -> bool:
    """Return True if the question contributes a score (scored options, a rating or a score rule)."""
    return bool(q.score) or q.type == "rating" or (q.qtype.scored and any(c.score is not None for c in q.choices))


def question_score(q: Question, v: Any, run: Runner) -> Decimal | None:
    """Return the question's score, or None when unanswered, not applicable or unscored."""
    if is_empty(v) or v == NA:
        return None
    if q.score:
        return to_number(run(q.score, v))
    by_value = {c.value: c.score for c in q.choices}
    if q.type == "single":
        s = by_value.get(str(v))
        return Decimal(str(s)) if s is not None else None
    if q.type == "multiple":
        scores = [by_value.get(str(x)) for x in v]
        known = [Decimal(str(s)) for s in scores if s is not None]
        return sum(known, Decimal(0)) if known else None
    if q.type == "rating":
        n = to_number(v)
        return n / Decimal(str(q.max or 5)) if n is not None else None
    if q.type == "matrix_single" and isinstance(v, dict):
        known = [Decimal(str(by_value[str(x)])) for x in v.values() if by_value.get(str(x)) is not None]
        return sum(known, Decimal(0)) / len(known) if known else None
    return None


def section_score(d: Definition, s: Section, values: dict[str, Any], visible: set[str], run: Runner,
                  out: Scores | None = None,
                  tag_items: dict[str, dict[str, list[tuple[Decimal, float]]]] | None = None) -> Decimal | None:
    """Return one section's score (recording question and group scores in ``out`` when given)."""
    sc: Scoring = d.scoring or Scoring()
    group_items: list[tuple[Decimal, float]] = []
    for g in s.groups:
        q_items: list[tuple[Decimal, float]] = []
        for q in g.questions:
            if q.name not in visible or not scorable(q):
                continue
            qs = question_score(q, values.get(q.name), run)
            if qs is not None:
                if out is not None:
                    out.questions[q.name] = qs
                q_items.append((qs, q.weight))
        gs = _aggregate(sc.group_method, q_items)
        if gs is not None:
            group_items.append((gs, g.weight))
            if out is not None:
                out.groups[g.name] = gs
            if tag_items is not None:
                for tag in sc.aggregate_tags:
                    if tag in g.tags:
                        tag_items[tag].setdefault(str(g.tags[tag]), []).append((gs, g.weight))
    return _aggregate(sc.section_method, group_items)


def score(d: Definition, values: dict[str, Any], visible: set[str], run: Runner) -> Scores:
    """Aggregate question → group → section → total scores as the definition declares."""
    sc: Scoring = d.scoring or Scoring()
    out = Scores()
    tag_items: dict[str, dict[str, list[tuple[Decimal, float]]]] = {t: {} for t in sc.aggregate_tags}
    for s in d.sections:
        ss = section_score(d, s, values, visible, run, out, tag_items)
        if ss is not None:
            out.sections[s.name] = ss
    ordered = [(out.sections[s.name], s.weight) for s in d.sections if s.name in out.sections]
    if sc.total_method == "cumulative":
        total, passed = Decimal(0), True
        for s in d.sections:
            if not any(scorable(q) for q in s.questions):
                continue  # e.g. a tailoring or notes section
            if not passed:
                break
            v = out.sections.get(s.name)
            if v is None:
                break
            total += v
            passed = v >= Decimal(str(sc.pass_score))
        out.total = total if out.sections else None
    else:
        out.total = _aggregate(sc.total_method, ordered)
    if out.total is not None:
        for o in sc.outcomes:
            lo_ok = o.min is None or out.total >= Decimal(str(o.min))
            hi_ok = o.max is None or (out.total <= Decimal(str(o.max)) if o.max_inclusive else out.total < Decimal(str(o.max)))
            if lo_ok and hi_ok:
                out.outcome = o.label
                break
    out.by_tag = {t: {k: v for k, items in m.items() if (v := _aggregate("mean", items)) is not None}
                  for t, m in tag_items.items()}
    return out
