"""Completed quality attempts written straight into the tables (state set up for admin-side tests; the
submit path itself is tested in test_graded and, for the statistics, in test_stats)."""
from __future__ import annotations

import datetime as dt

from db.assessment import AssessmentAttempt, AssessmentResult
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, FormVersion
from services.forms import definitions
from tests.factories import make_admin
from tests.quality.shipped import raw


def publish() -> int:
    """Publish the shipped model; return its version id."""
    vid = definitions.save_draft(make_admin(None), raw())
    definitions.publish(make_admin(None), vid)
    return vid


def completed(version_id: int, org_id: int, overall: int | None, first: dict[str, int] | None = None,
              completed_at: dt.datetime | None = None) -> int:
    """Insert a completed attempt with its tiers (overall; first-level per section, default all = overall)."""
    first = first if first is not None else {s: overall for s in ("q62", "q63", "q64")}  # type: ignore[misc]
    when = completed_at or utcnow()
    with session_scope() as s:
        v = s.get(FormVersion, version_id)
        assert v is not None
        r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=org_id, status="submitted",
                         submitted_at=when)
        s.add(r)
        s.flush()
        a = AssessmentAttempt(code="quality_capability", response_id=r.id, org_id=org_id, status="completed",
                              current_section="done", tailoring=[], period_key=when.strftime("%Y-%m"),
                              started_at=when - dt.timedelta(days=3), completed_at=when, year=when.year,
                              tier=overall, tier_scores=dict(first))
        s.add(a)
        s.flush()
        s.add_all([AssessmentResult(attempt_id=a.id, dimension="overall", key="overall", code=a.code, value=overall)]
                  if overall is not None else [])
        s.add_all(AssessmentResult(attempt_id=a.id, dimension="first_level", key=k, code=a.code, value=v_)
                  for k, v_ in first.items())
        return a.id
