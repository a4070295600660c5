"""Responses as a table, per-question statistics in SQL, and the Excel export of both."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select

from db.engine import session_scope
from db.forms import AnswerValue, FormResponse, ResponseSection
from db.organisation import Organisation
from services.forms.definitions import definition_for_version
from services.forms.responses import STATUS_LABEL
from services.core.permissions import P_FORMS_RESULTS, Actor, require
from services.reference import region_full_name
from services.core.scope import org_clause


ANONYMOUS = "（匿名填报）"   # the 单位名称 of an anonymous answer to a public survey


@dataclass(frozen=True)
class QuestionStats:
    question: str
    label: str
    respondents: int
    options: list[tuple[str, str, int, float]]   # (value, label, count, share of respondents)
    count: int = 0
    mean: float | None = None
    min: float | None = None
    max: float | None = None


def _submitted(actor: Actor, version_id: int) -> Any:
    """The ids of the version's submitted responses within the actor's jurisdiction (a subquery).

    Anonymous answers to a public survey (no organisation) belong to no region: a national viewer's
    jurisdiction (the whole nation) includes them, a regional one's does not."""
    return (select(FormResponse.id).outerjoin(Organisation, Organisation.id == FormResponse.org_id)
            .where(FormResponse.version_id == version_id, FormResponse.status != "draft", org_clause(actor)))


def response_count(actor: Actor, version_id: int) -> int:
    """Return how many responses to this version were submitted within the jurisdiction (one count)."""
    require(actor, P_FORMS_RESULTS)
    with session_scope(read=True) as session:
        return int(session.scalar(select(func.count()).select_from(_submitted(actor, version_id).subquery())) or 0)


def responses_table(actor: Actor, version_id: int, limit: int = 5000) -> list[dict[str, Any]]:
    """Return one row per submitted response in the jurisdiction: organisation columns + answers."""
    require(actor, P_FORMS_RESULTS)
    d = definition_for_version(version_id)
    with session_scope(read=True) as session:
        rows = session.execute(select(FormResponse, Organisation).outerjoin(Organisation, Organisation.id == FormResponse.org_id)
                               .where(FormResponse.version_id == version_id, FormResponse.status != "draft",
                                      org_clause(actor)).order_by(FormResponse.id).limit(limit)).all()
        ids = [r.id for r, _ in rows]
        sections: dict[int, dict[str, Any]] = defaultdict(dict)
        for s in session.scalars(select(ResponseSection).where(ResponseSection.response_id.in_(ids))):
            sections[s.response_id].update(s.data or {})
    choice_labels = {q.name: {c.value: c.label for c in q.choices} for q in d.questions()}
    out = []
    for r, org in rows:
        row: dict[str, Any] = {"单位名称": org.name if org else ANONYMOUS,
                               "所在地区": region_full_name(org.region_code) if org else "", "期别": r.period,
                               "状态": STATUS_LABEL.get(r.status, r.status),
                               "提交时间": r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else ""}
        answers = sections[r.id]
        for q in d.questions():
            if q.type == "note":
                continue
            v = answers.get(q.name)
            labels = choice_labels[q.name]
            if isinstance(v, list):
                v = "、".join(labels.get(str(x), str(x)) for x in v)
            elif isinstance(v, dict):
                v = "; ".join(f"{k}: {x}" for k, x in v.items())
            elif v is not None and labels:
                v = labels.get(str(v), v)
            row[q.label or q.name] = v
        out.append(row)
    return out


def question_stats(actor: Actor, version_id: int, question: str) -> QuestionStats:
    """Return counts and shares per option, or count/mean/min/max for numbers, within the jurisdiction."""
    require(actor, P_FORMS_RESULTS)
    d = definition_for_version(version_id)
    q = d.question(question)
    base = select(AnswerValue).where(AnswerValue.version_id == version_id, AnswerValue.question == question,
                                     AnswerValue.response_id.in_(_submitted(actor, version_id)))
    sub = base.subquery()
    with session_scope(read=True) as session:
        respondents = session.scalar(select(func.count(distinct(sub.c.response_id)))) or 0
        if q.choices:
            counts: dict[str | None, int] = dict(session.execute(select(sub.c.text_value, func.count()).group_by(sub.c.text_value)).all())
            options = [(c.value, c.label, int(counts.get(c.value, 0)),
                        round(counts.get(c.value, 0) / respondents, 4) if respondents else 0.0) for c in q.choices]
            return QuestionStats(question, q.label, respondents, options)
        n, mean, lo, hi = session.execute(select(func.count(sub.c.num_value), func.avg(sub.c.num_value),
                                                 func.min(sub.c.num_value), func.max(sub.c.num_value))).one()
        return QuestionStats(question, q.label, respondents, [], int(n or 0),
                             float(mean) if mean is not None else None, float(lo) if lo is not None else None,
                             float(hi) if hi is not None else None)
