"""Clause conformity → tiers, as ``assessment.grading`` declares them (the quality self-assessment).

Pure functions (no database): ``indicator_tier`` for one second-level indicator, ``aggregate`` for a
first-level indicator or the overall tier, ``clause_done`` for completeness, and ``grade`` for a whole
definition over one response's answers. The rules (specs/README.md "Clause grading"):

1. A second-level indicator reaches tier k when every tier 1…k has at least one clause, every clause
   of tiers 1…k is done and marked 符合 or 基本符合, and at most ``partial_max`` of them are 基本符合;
   its tier is the largest such k, 0 (``below_label``) when tier 1 already fails. A tier without
   clauses stops the climb; an indicator without any clause is not graded (None).
2. A first-level indicator's tier aggregates its graded second-level tiers (``first_level``).
3. The overall tier aggregates the graded first-level tiers (``overall``).
Aggregations: ``min`` (the lowest) or ``floor_mean`` (the mean rounded down); nothing graded → None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from services.forms.schema import Definition, Grading, Group

FULL, PARTIAL, NONE = "full", "partial", "none"


def indicator_tier(clauses: Iterable[tuple[int, str | None]], levels: int, partial_max: int) -> int | None:
    """Return the tier (0…levels) of one second-level indicator from its clauses ``(tier, mark)``,
    mark FULL / PARTIAL / NONE, or None for a clause not done; None when there are no clauses."""
    by_level: dict[int, list[str | None]] = {}
    for level, mark in clauses:
        by_level.setdefault(level, []).append(mark)
    if not by_level:
        return None
    reached, partial = 0, 0
    for k in range(1, levels + 1):
        marks = by_level.get(k, [])
        if not marks or any(m not in (FULL, PARTIAL) for m in marks):
            break
        partial += sum(1 for m in marks if m == PARTIAL)
        if partial > partial_max:
            break
        reached = k
    return reached


def aggregate(tiers: Iterable[int | None], how: str) -> int | None:
    """Aggregate tiers (None = not graded, left out): ``min`` or ``floor_mean``; None if none graded."""
    graded = [t for t in tiers if t is not None]
    if not graded:
        return None
    if how == "min":
        return min(graded)
    if how == "floor_mean":
        return math.floor(sum(graded) / len(graded))
    raise ValueError(f"未知的汇总方式「{how}」")


def _filled(v: Any) -> bool:
    return v is not None and v != "" and v != [] and v != {}


def clause_mark(g: Grading, group: Group, answers: dict[str, Any]) -> str | None:
    """Return the clause's mark (FULL / PARTIAL / NONE) when it is done, else None: a conformity is
    chosen, the description is not blank, and evidence is attached unless the clause is 不符合."""
    value = answers.get(f"{group.name}_{g.conformity}")
    mark = {g.full: FULL, g.partial: PARTIAL, g.none: NONE}.get(str(value)) if value is not None else None
    if mark is None:
        return None
    if not str(answers.get(f"{group.name}_{g.description}") or "").strip():
        return None
    if mark != NONE and not _filled(answers.get(f"{group.name}_{g.evidence}")):
        return None
    return mark


def clause_done(g: Grading, group: Group, answers: dict[str, Any]) -> bool:
    return clause_mark(g, group, answers) is not None


@dataclass(frozen=True)
class Indicator:
    name: str               # "6.2.1 顾客需求关注"
    section: str            # the first-level section
    tier: int | None
    done: int               # clauses done
    total: int


@dataclass(frozen=True)
class Grades:
    indicators: tuple[Indicator, ...]        # second-level, in definition order
    first_level: dict[str, int | None]       # section name → tier
    overall: int | None

    @property
    def complete(self) -> bool:
        return all(i.done == i.total for i in self.indicators)


def grade(d: Definition, answers: dict[str, Any]) -> Grades:
    """Return the tiers of every second-level and first-level indicator and the overall tier."""
    g = d.assessment.grading if d.assessment else None
    if g is None:
        raise ValueError(f"「{d.title}」没有声明条款定级规则（assessment.grading）。")
    level_of = {x.key: x.level for x in g.levels}
    indicators: list[Indicator] = []
    first: dict[str, int | None] = {}
    for section in (s for s in d.sections if s.name in g.sections):
        clauses: dict[str, list[tuple[int, str | None]]] = {}
        for group in section.groups:
            name = str(group.tags.get(g.indicator_tag) or "")
            clauses.setdefault(name, []).append((level_of[str(group.tags[g.level_tag])],
                                                 clause_mark(g, group, answers)))
        own = [Indicator(name, section.name, indicator_tier(cs, len(g.levels), g.partial_max),
                         sum(1 for _, m in cs if m is not None), len(cs)) for name, cs in clauses.items()]
        indicators += own
        first[section.name] = aggregate((i.tier for i in own), g.first_level)
    return Grades(tuple(indicators), first, aggregate(first.values(), g.overall))
