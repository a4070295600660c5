"""The self-diagnosis (CMMM enterprise manual): one instance of the tier-based assessment flow.

Everything about the model — its five levels and their gates, the tailorable capability domains,
the monthly limit, the level names, the dimensions kept for statistics, the pause before the next
level — is the definition ``specs/cmmm/self_diagnosis.yaml`` (its ``assessment:`` block); the flow
is ``services.assessment.flow``. This module names the definition and the attempt table
(``cmmm_diagnosis``) and keeps the results the way its national-scale statistics read them:
score columns on the row and the summary tables, updated in the transaction that finishes it.
"""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.cmmm import Diagnosis
from db.organisation import Organisation
from services.assessment import flow
from services.assessment.model import _shipped
from services.assessment.flow import AttemptView as DiagnosisView, TierOutcome as LevelOutcome  # noqa: F401
from services.forms.engine import Evaluation
from services.forms.schema import Assessment, Definition
from services.forms.scoring import Scores
from services.core.errors import NotFound
from services.core.numfmt import stored
from services.core.permissions import P_DIAG_FILL, Actor
from services.stats import cmmm_stats
from services.core.timefmt import CHINA, china_now, china_time  # noqa: F401  (re-exported for callers)
from services.core.labels import STATUS

CODE = "cmmm_self_diagnosis"
STATUS_LABEL = STATUS["diagnosis"]


def stored_scores(sc: Scores, m: Assessment) -> dict[str, Any]:
    """A completed diagnosis' score columns from its evaluation's scores (four decimals, half up):
    the total, the level (tier section) and group scores, and ``{dimension}_scores`` per declared dimension."""
    return {"total_score": stored(sc.total if sc.total is not None else Decimal(0)),
            "level_scores": {k: str(stored(v)) for k, v in sc.sections.items()},
            "group_scores": {k: str(stored(v)) for k, v in sc.groups.items()},
            **{f"{dim.name}_scores": {k: str(stored(v)) for k, v in sc.by_tag.get(dim.tag, {}).items()}
               for dim in m.dimensions}}


def _complete(session: Session, row: Any, org: Organisation, sc: Scores, m: Assessment) -> None:
    """Keep a finished diagnosis for queries and statistics (inside the finishing transaction)."""
    for name, value in stored_scores(sc, m).items():
        setattr(row, name, value)
    row.province_code, row.city_code, row.county_code = org.province_code, org.city_code, org.county_code
    row.division_code, row.size = org.division_code, org.size
    cmmm_stats.set_typed_scores(row)
    session.flush()
    cmmm_stats.on_completed(session, row)  # the dashboards see it at once


KIND = flow.Kind(CODE, P_DIAG_FILL, table=Diagnosis, audit_prefix="cmmm", audit_target="cmmm_diagnosis",
                 on_complete=_complete)


def definition() -> tuple[int, Definition]:
    """Return (version id, typed definition) of the published self-diagnosis model."""
    return flow.definition(KIND)


_cached: tuple[float, Assessment] | None = None


def model() -> Assessment:
    """Return the published model's ``assessment:`` block (levels, tailoring, limit, dimensions);
    read again after a few seconds, so labels in long lists cost no query per row."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > 5:
        try:
            _cached = (now, flow.model(KIND))
        except (NotFound, SQLAlchemyError):  # no database yet (check-specs) or nothing published: the shipped file
            shipped = _shipped(CODE)
            if shipped is None:
                raise
            return shipped
    return _cached[1]


def level_label(level: int | None) -> str:
    """Return "二级 规范级", or "未达到一级" for 0 (names from the definition)."""
    return model().level_label(level)


def tailorable() -> dict[str, str]:
    """Return {value: label} of the capability domains that may be tailored."""
    return dict(model().tailorable)


def advance_seconds() -> int:
    """Return the pause before the next level opens (the manual's 3 seconds)."""
    return model().advance_seconds


def start(actor: Actor, tailoring: list[str], request_id: str | None = None) -> int:
    return flow.start(KIND, actor, tailoring, request_id)


def get(actor: Actor, diagnosis_id: int) -> DiagnosisView:
    return flow.get(KIND, actor, diagnosis_id)


def history(actor: Actor) -> list[DiagnosisView]:
    return flow.history(KIND, actor)


def evaluation(actor: Actor, diagnosis_id: int, answers: dict[str, Any] | None = None) -> tuple[Definition, Evaluation]:
    return flow.evaluation(KIND, actor, diagnosis_id, answers)


def save(actor: Actor, diagnosis_id: int, section: str, answers: dict[str, Any], base_version: int,
         base_data: dict[str, Any] | None = None) -> int:
    return flow.save(KIND, actor, diagnosis_id, section, answers, base_version, base_data)


def submit_level(actor: Actor, diagnosis_id: int, level: int, answers: dict[str, Any], base_version: int,
                 base_data: dict[str, Any] | None = None) -> LevelOutcome:
    return flow.submit_tier(KIND, actor, diagnosis_id, level, answers, base_version, base_data)


def finish(actor: Actor, diagnosis_id: int, answers: dict[str, Any], base_version: int,
           base_data: dict[str, Any] | None = None, request_id: str | None = None) -> DiagnosisView:
    """Submit the effectiveness indicators and the whole diagnosis, keeping its results for
    statistics — one transaction."""
    return flow.finish(KIND, actor, diagnosis_id, answers, base_version, base_data, request_id)


def abandon(actor: Actor, diagnosis_id: int) -> None:
    flow.abandon(KIND, actor, diagnosis_id)
