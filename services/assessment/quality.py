"""The quality self-assessment (质量管理能力自评估) registered on the generic flow, and what its pages read:
the indicator tree (first-level sections → second-level indicators with their clauses, low to high tier),
one attempt's answers and clause versions, per-indicator progress. The rules stay in tiers /
completeness / clauses / performance / graded; this module only assembles them for a page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.engine import session_scope
from db.forms import ResponseSection
from services.assessment import clauses, flow
from services.assessment.completeness import Missing, missing
from services.assessment.performance import PerfResult, performance
from services.assessment.tiers import Grades, grade
from services.core.permissions import P_QUALITY_FILL, Actor, require
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.schema import Definition, Group

KIND = flow.Kind("quality_capability", P_QUALITY_FILL)


@dataclass(frozen=True)
class IndicatorNode:
    name: str                   # "6.2.1 顾客需求关注"
    section: str                # "q62"
    section_title: str          # "6.2 质量管理体系的有效性"
    clauses: tuple[Group, ...]  # low to high tier


@dataclass(frozen=True)
class Snapshot:
    """One attempt as a page shows it: definition, all answers, clause states, perf section version."""
    attempt: flow.AttemptView
    definition: Definition
    answers: dict[str, Any]
    clause_states: dict[str, clauses.ClauseState]
    perf_version: int


def indicators(d: Definition) -> list[IndicatorNode]:
    """Return the second-level indicators in definition order, each with its clauses sorted by tier."""
    g = d.assessment.grading if d.assessment else None
    if g is None:
        raise ValueError(f"「{d.title}」没有声明条款定级规则（assessment.grading）。")
    order = {x.key: x.level for x in g.levels}
    out: list[IndicatorNode] = []
    for s in d.sections:
        if s.name in g.sections:
            by: dict[str, list[Group]] = {}
            for grp in s.groups:
                by.setdefault(str(grp.tags.get(g.indicator_tag) or ""), []).append(grp)
            out += [IndicatorNode(name, s.name, s.title,
                                  tuple(sorted(gs, key=lambda x: order[str(x.tags[g.level_tag])])))
                    for name, gs in by.items()]
    return out


def current(actor: Actor) -> flow.AttemptView | None:
    """Return the organisation's newest attempt (in progress or finished), or None."""
    done = flow.history(KIND, actor)
    return done[0] if done else None


def snapshot(actor: Actor, attempt_id: int) -> Snapshot:
    """The attempt, its definition, answers, clause states and perf section version — one read
    transaction, the ~300 section rows read once as plain columns (a page reads this once per run)."""
    require(actor, KIND.fill_permission)
    with session_scope(read=True) as session:
        view = flow.get_in(session, KIND, actor, attempt_id)
        responses._load(session, actor, view.response_id)
        d = definition_for_version(view.version_id, session)
        rows = session.execute(select(ResponseSection.section, ResponseSection.version, ResponseSection.data)
                               .where(ResponseSection.response_id == view.response_id)).all()
    answers: dict[str, Any] = {}
    for _, _, data in rows:  # merged as responses._answers does
        answers.update(data or {})
    g = d.assessment.grading if d.assessment else None
    perf = next((v for sec, v, _ in rows if g is not None and sec == g.performance_section), 0)
    return Snapshot(view, d, answers, clauses.states_of(rows), perf)


def progress(snap: Snapshot) -> Grades:
    """Per-indicator clauses done / total (and the tiers so far)."""
    return grade(snap.definition, snap.answers)


def perf_results(snap: Snapshot, answers: dict[str, Any] | None = None) -> list[PerfResult]:
    return performance(snap.definition, {**snap.answers, **(answers or {})})


def missing_items(snap: Snapshot) -> list[Missing]:
    return missing(snap.definition, snap.answers)
