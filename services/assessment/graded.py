"""Submitting a clause-graded attempt (the quality self-assessment) on the generic flow: start with
``flow.start(kind, actor, [])``, save clauses with ``clauses.save_clause`` and the performance section
with ``responses.save_section``, then ``submit`` — one transaction: refused with what is missing
(``completeness``) until every clause and parameter is complete, then the response is submitted and
the tiers (``tiers.grade``) are kept on the attempt and as ``assessment_result`` rows:
("overall", "overall"), ("first_level", <section>) and ("second_level", <indicator>), value = tier
(0 = below the first tier)."""
from __future__ import annotations

from db.assessment import AssessmentResult
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse
from services.assessment import flow
from services.assessment.completeness import missing, summary
from services.assessment.tiers import Grades, grade
from services.core import audit
from services.core.errors import Conflict, ValidationFailed
from services.core.permissions import Actor, require
from services.core.timefmt import CHINA
from services.forms import responses
from services.forms.definitions import definition_for_version


def submit(kind: flow.Kind, actor: Actor, attempt_id: int, request_id: str | None = None) -> Grades:
    """Submit the attempt and keep its tiers; return them (a double submit returns the kept ones)."""
    require(actor, kind.fill_permission)
    with session_scope() as session:
        row = flow._own(session, kind, actor, attempt_id, for_update=True)
        r = session.get(FormResponse, row.response_id, with_for_update=True)
        assert r is not None
        d = definition_for_version(r.version_id, session)
        answers = responses.answers_of(session, r.id)
        if audit.replayed(session, request_id) is not None:
            return grade(d, answers)
        m = d.assessment
        assert m is not None
        if row.status != "in_progress":
            raise Conflict(f"该{m.noun}{m.status_label(row.status)}，不能再提交。")
        items = missing(d, answers)
        if items:
            raise ValidationFailed({"提交": [summary(d, items)]})
        responses.submit_in(session, actor, r)
        grades = grade(d, answers)
        now = utcnow()
        row.status, row.completed_at, row.year, row.current_section = "completed", now, now.astimezone(CHINA).year, "done"
        row.tier, row.tier_scores = grades.overall, {k: v for k, v in grades.first_level.items()}
        values = {("overall", "overall"): grades.overall, **{("first_level", k): v for k, v in grades.first_level.items()},
                  **{("second_level", i.name): i.tier for i in grades.indicators}}
        session.add_all(AssessmentResult(attempt_id=row.id, dimension=dim, key=key, code=kind.code, value=v)
                        for (dim, key), v in values.items() if v is not None)
        audit.record(session, actor.account_id, f"{kind.audit_prefix}.completed", kind.audit_target, row.id,
                     {"level": grades.overall}, request_id=request_id)
        return grades
