"""Shared set-up: the published self-diagnosis model and helpers to answer a level."""
from __future__ import annotations

from typing import Any

import pytest

from services.cmmm import diagnosis as dx
from services.forms import definitions, responses
from services.forms.loader import load_file
from services.forms.definitions import SPECS
from services.core.permissions import Actor

MODEL = load_file(SPECS / "cmmm" / "self_diagnosis.yaml")


@pytest.fixture
def model(db: str) -> int:
    definitions.sync_specs()
    return definitions.published_version(dx.CODE).id


def level_answers(level: int, value: str, tailoring: tuple[str, ...] = ()) -> dict[str, Any]:
    """Answer every question of a level (tailored groups left out) with one satisfaction value."""
    section = next(s for s in MODEL.sections if s.name == f"level{level}")
    out = {}
    for g in section.groups:
        if g.show_if and any(f"'{t}'" in g.show_if for t in tailoring):
            continue
        for q in g.questions:
            out[q.name] = value
    return out


EFFECTIVENESS = {q.name: ("0" if q.type == "decimal" else "无") for q in
                 next(s for s in MODEL.sections if s.name == "effectiveness").questions}


def section_version(actor: Actor, diagnosis_id: int, section: str) -> int:
    view = dx.get(actor, diagnosis_id)
    r = responses.get_response(actor, view.response_id)
    return r.sections[section].version if section in r.sections else 0


def run_levels(actor: Actor, diagnosis_id: int, values: list[str], tailoring: tuple[str, ...] = ()) -> list[dx.LevelOutcome]:
    out = []
    for i, v in enumerate(values, 1):
        out.append(dx.submit_level(actor, diagnosis_id, i, level_answers(i, v, tailoring), section_version(actor, diagnosis_id, f"level{i}")))
        if not out[-1].achieved:
            break
    return out


def seed_completed(industries: dict[str, int], region_code: str = "320102") -> dict[str, list[int]]:
    """Make ``n`` approved enterprises per industry code (小类) in ``region_code``, each with one or two
    completed diagnoses from the demo generator; return the enterprise ids per industry code."""
    from sqlalchemy import update

    from db.engine import session_scope
    from db.organisation import Organisation
    from services.cmmm.demo import seed_diagnoses
    from tests.factories import make_org

    made: dict[str, list[int]] = {}
    for code, n in industries.items():
        made[code] = [make_org(region_code, status="approved") for _ in range(n)]
        with session_scope() as session:
            session.execute(update(Organisation).where(Organisation.id.in_(made[code]))
                            .values(industry_code=code, division_code=code[:2]))
    seed_diagnoses(completed_share=1.0, running_share=0.0)
    return made
