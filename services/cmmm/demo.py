"""Demo self-diagnoses: completed, in progress and not started, with the published national shape
(most enterprises at level 1 or below, few at 4–5). Scores come from the real engine."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

import clock
from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import FormResponse, FormVersion, ResponseSection
from db.organisation import Organisation
from services.assessment.model import assessment_of
from services.cmmm.diagnosis import CHINA, CODE, stored_scores
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import evaluate
from services.forms.schema import Definition
from services.core.rules import MANUFACTURING_DIVISIONS
from services.stats.cmmm_stats import set_typed_scores

# Target level shares (≈ the published national distribution of self-diagnosed enterprises).
TARGETS = [(0, 0.30), (1, 0.36), (2, 0.16), (3, 0.09), (4, 0.06), (5, 0.03)]


def _answers(d: Definition, target: int, tailoring: list[str], rng: random.Random) -> dict[str, Any]:
    """Answers that reach ``target`` and fail the next level (level 5 reached when target is 5)."""
    m = assessment_of(d)
    out: dict[str, Any] = {m.tailoring_question or "tailor": tailoring or None}
    for tier in m.tiers:
        section = next(s for s in d.sections if s.name == tier.section)
        passing = tier.level <= target
        for g in section.groups:
            if g.show_if and any(f"'{t}'" in g.show_if for t in tailoring):
                continue
            for q in g.questions:
                out[q.name] = rng.choice(["1", "1", "0.8"]) if passing else rng.choice(["0", "0.5", "0.5", "0.8"])
        if not passing:
            break
    eff = next(s for s in d.sections if s.name == m.after_tiers)
    for q in eff.questions:
        out[q.name] = f"{rng.uniform(0, 25):.2f}" if q.type == "decimal" else "（本期值−基期值）/基期值×100%"
    return out


def seed_diagnoses(seed: int = 7, completed_share: float = 0.55, running_share: float = 0.08,
                   progress: Callable[[float], None] | None = None) -> int:
    """Give manufacturing demo enterprises diagnoses; return how many were created (0 if present)."""
    with session_scope() as session:
        if session.scalar(select(Diagnosis.id).limit(1)) is not None:
            return 0
        orgs = session.execute(select(Organisation.id, Organisation.province_code, Organisation.city_code,
                                      Organisation.county_code, Organisation.division_code, Organisation.size)
                               .where(Organisation.kind == "enterprise", Organisation.status == "approved",
                                      Organisation.division_code.in_(MANUFACTURING_DIVISIONS)).order_by(Organisation.id)).all()
    version = published_version(CODE)
    d = definition_for_version(version.id)
    rng = random.Random(seed)
    made = 0
    batch: list[Any] = []
    for i, org in enumerate(orgs):
        roll = rng.random()
        if roll > completed_share + running_share:
            continue  # not started
        runs = 1 if roll > completed_share else rng.choice([1, 1, 1, 2])
        for _ in range(runs):
            batch.append((org, roll > completed_share))
        if len(batch) >= 200 or i == len(orgs) - 1:
            made += _write(batch, d, version.id, rng)
            batch = []
            if progress:
                progress((i + 1) / len(orgs))
    if batch:
        made += _write(batch, d, version.id, rng)
    with session_scope() as session:
        refresh_latest(session)
    from services.stats.cmmm_stats import rebuild_all
    rebuild_all()
    return made


def refresh_latest(session: Any) -> None:
    """Mark each organisation's most recently completed diagnosis as its latest (bulk)."""
    from sqlalchemy import func, update
    session.execute(update(Diagnosis).values(is_latest=False, year_latest=False))
    newest = (select(Diagnosis.org_id, func.max(Diagnosis.completed_at).label("at"))
              .where(Diagnosis.status == "completed").group_by(Diagnosis.org_id).subquery())
    ids = select(Diagnosis.id).join(newest, (newest.c.org_id == Diagnosis.org_id) & (newest.c.at == Diagnosis.completed_at))
    session.execute(update(Diagnosis).where(Diagnosis.id.in_(ids)).values(is_latest=True))
    in_year = (select(Diagnosis.org_id, Diagnosis.year, func.max(Diagnosis.completed_at).label("at"))
               .where(Diagnosis.status == "completed").group_by(Diagnosis.org_id, Diagnosis.year).subquery())
    year_ids = select(Diagnosis.id).join(in_year, (in_year.c.org_id == Diagnosis.org_id)
                                         & (in_year.c.at == Diagnosis.completed_at))
    session.execute(update(Diagnosis).where(Diagnosis.id.in_(year_ids)).values(year_latest=True))


def _write(batch: list[Any], d: Definition, version_id: int, rng: random.Random) -> int:
    m = assessment_of(d)
    with session_scope() as session:
        v = session.get(FormVersion, version_id)
        assert v is not None
        for org, running in batch:
            target = rng.choices([t for t, _ in TARGETS], [w for _, w in TARGETS])[0]
            tailoring = sorted(rng.sample([t for t, _ in m.tailorable], rng.choice([0, 0, 0, 1, 2])))
            answers = _answers(d, target, tailoring, rng)
            started = dt.datetime(2021, 1, 1, tzinfo=CHINA) + dt.timedelta(days=rng.randrange(0, 5 * 365 + 300),
                                                                           minutes=rng.randrange(1440))
            started = min(started, clock.china_now() - dt.timedelta(days=1))
            r = FormResponse(version_id=version_id, definition_id=v.definition_id, org_id=org.id, period="",
                             status="draft" if running else "submitted", created_at=started,
                             submitted_at=None if running else started + dt.timedelta(hours=2))
            session.add(r)
            session.flush()
            if running:  # stopped somewhere in level 1 or 2
                upto = rng.choice([1, 2])
                keep = {k: val for k, val in answers.items() if k == "tailor" or k.startswith(f"l{upto}_") or
                        any(k.startswith(f"l{n}_") for n in range(1, upto))}
                session.add(ResponseSection(response_id=r.id, section="tailoring", data={"tailor": keep.pop("tailor")}, version=1))
                session.add(ResponseSection(response_id=r.id, section=f"level{upto}", data=keep, version=1))
                session.add(Diagnosis(response_id=r.id, org_id=org.id, status="in_progress", current_section=f"level{upto}",
                                      tailoring=tailoring, month=started.strftime("%Y-%m"), started_at=started))
                continue
            ev = evaluate(d, answers)
            sc = ev.scores
            assert sc is not None
            for s in d.sections:
                data = {q.name: answers[q.name] for q in s.questions if q.name in answers}
                if data:
                    session.add(ResponseSection(response_id=r.id, section=s.name, data=data, version=1))
            done = started + dt.timedelta(hours=2)
            row = Diagnosis(
                response_id=r.id, org_id=org.id, status="completed", current_section="done", tailoring=tailoring,
                month=started.strftime("%Y-%m"), started_at=started, completed_at=done, year=done.year,
                level=m.level_of_outcome(sc.outcome), **stored_scores(sc, m),
                province_code=org.province_code, city_code=org.city_code, county_code=org.county_code,
                division_code=org.division_code, size=org.size)
            set_typed_scores(row)
            session.add(row)
    return len(batch)
