"""The flow of a tier-based assessment, everything read from its definition's ``assessment:`` block.

tailor → tier by tier (each scored at once; at or above its gate goes on to the next tier,
otherwise — or after the last — on to ``after_tiers``) → finish (submit the response and keep the
results for statistics, one transaction) or abandon. Attempts per organisation are limited per
China-time period (``limit``: abandoned ones do not count) and one runs at a time. Sections the
definition gives to an assessor (``assessor``) are written only by an assessor with the declared
permission within their jurisdiction, never by the enterprise.

A ``Kind`` names the definition and the attempt table: the self-diagnosis (services.cmmm.diagnosis,
table cmmm_diagnosis with its wide statistics) or any other model (table assessment_attempt, its
dimensions kept as assessment_result rows — ``store_results``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.assessment import AssessmentAttempt, AssessmentResult
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, FormVersion, ResponseSection
from db.organisation import Organisation
from db.stats import UNIT
from services.core import audit
from services.assessment.model import PERIOD_WORDS, assessment_of, period_key
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Evaluation, evaluate
from services.forms.schema import Assessment, Definition
from services.forms.scoring import Scores
from services.core.numfmt import fmt, stored
from services.core.permissions import Actor, has_perm, require
from services.reference import region_path
from services.core.timefmt import CHINA, china_now, china_time

# (session, the attempt row, its organisation, the final scores, the model) → keep results; same transaction
Completer = Callable[[Session, Any, Organisation, Scores, Assessment], None]


def store_results(session: Session, row: Any, org: Organisation, sc: Scores, model: Assessment) -> None:
    """Keep a generic attempt's results as rows (dimension, key) → value (1/10 000 point): "tier" per
    tier section, then every declared dimension's values."""
    values = {("tier", t.section): sc.sections[t.section] for t in model.tiers if t.section in sc.sections}
    for dim in model.dimensions:
        got = sc.by_tag.get(dim.tag, {})
        values |= {(dim.name, v): got[v] for v in dim.values if v in got}
    session.add_all(AssessmentResult(attempt_id=row.id, dimension=dim, key=key, code=row.code,
                                     value=int(stored(v) * UNIT)) for (dim, key), v in values.items())


@dataclass(frozen=True)
class Kind:
    code: str                       # the definition's code
    fill_permission: str            # the enterprise's permission to take it
    table: Any = AssessmentAttempt  # the attempt rows (Diagnosis for the self-diagnosis)
    audit_prefix: str = "assessment"
    audit_target: str = "assessment_attempt"
    on_complete: Completer = store_results

    def scoped(self) -> list[Any]:
        return [self.table.code == self.code] if self.table is AssessmentAttempt else []


@dataclass
class AttemptView:
    id: int
    response_id: int
    version_id: int
    org_id: int
    status: str
    status_label: str
    current_section: str
    tailoring: list[str]
    started_at: str
    completed_at: str | None
    total_score: float | None
    level: int | None
    level_label: str
    level_scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TierOutcome:
    level: int
    score: float
    achieved: bool
    next_section: str
    message: str


def definition(kind: Kind) -> tuple[int, Definition]:
    """Return (version id, typed definition) of the published model."""
    v = published_version(kind.code)
    return v.id, definition_for_version(v.id)


def model(kind: Kind) -> Assessment:
    """Return the published model's assessment block."""
    return assessment_of(definition(kind)[1])


def _view(row: Any, version_id: int, m: Assessment) -> AttemptView:
    return AttemptView(row.id, row.response_id, version_id, row.org_id, row.status,
                       m.status_label(row.status),
                       row.current_section, list(row.tailoring or []), china_time(row.started_at),
                       (china_time(row.completed_at) or None),
                       float(row.total_score) if row.total_score is not None else None, row.tier,
                       m.level_label(row.tier), {k: float(v) for k, v in (row.tier_scores or {}).items()})


def _own(session: Session, kind: Kind, actor: Actor, attempt_id: int, for_update: bool = False) -> Any:
    row = session.get(kind.table, attempt_id, with_for_update=for_update)
    if row is None or row.org_id != actor.org_id or (kind.scoped() and row.code != kind.code):
        raise NotFound("未找到该测评记录。")
    return row


def start(kind: Kind, actor: Actor, tailoring: list[str], request_id: str | None = None) -> int:
    """Start an attempt with the chosen tailoring (fixed from now on); return its id."""
    require(actor, kind.fill_permission)
    version_id, d = definition(kind)
    m = assessment_of(d)
    if actor.org_id is None:
        raise ValidationFailed({"单位": ["单位：请先完成单位注册信息并通过审核。"]})
    allowed = dict(m.tailorable)
    bad = [t for t in tailoring if t not in allowed]
    if bad:
        raise ValidationFailed({"裁剪": [f"裁剪：只能裁剪{'、'.join(allowed.values()) or '（无可裁剪项）'}，不能裁剪 {bad}。"]})
    key = period_key(m, china_now())
    first = m.tiers[0].section if m.tiers else (m.grading.sections[0] if m.grading else "done")
    with session_scope() as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return int(done.target_id or 0)
        org = session.get(Organisation, actor.org_id, with_for_update=True)  # serialises starts of one org
        if org is None or org.status != "approved":
            raise ValidationFailed({"单位": [f"单位：注册信息审核通过后才能开始{m.noun}。"]})
        mine = [kind.table.org_id == org.id, *kind.scoped()]
        if session.scalar(select(kind.table.id).where(*mine, kind.table.status == "in_progress")):
            raise Conflict(f"已有一份进行中的{m.noun}，请继续填写或放弃后再新建。")
        if m.limit_max is not None:
            used = session.scalar(select(func.count()).select_from(kind.table).where(
                *mine, kind.table.period_key == key, kind.table.status != "abandoned")) or 0
            if used >= m.limit_max:
                word = PERIOD_WORDS[m.limit_per]
                raise Conflict(f"每家企业每个{word}最多进行 {m.limit_max} 次{m.noun}（北京时间 {key} 已进行 {used} 次），"
                               f"请下一{word.removeprefix('自然')}再试。")
        v = session.get(FormVersion, version_id)
        assert v is not None
        r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=org.id, period="", status="draft",
                         current_section=first, created_by=actor.account_id)
        session.add(r)
        session.flush()
        if m.tailoring_question:
            section = next(s.name for s in d.sections if any(q.name == m.tailoring_question for q in s.questions))
            session.add(ResponseSection(response_id=r.id, section=section,
                                        data={m.tailoring_question: sorted(tailoring) or None},
                                        version=1, updated_by=actor.account_id))
        extra = {"code": kind.code} if kind.scoped() else {}
        row = kind.table(response_id=r.id, org_id=org.id, status="in_progress", current_section=first,
                         tailoring=sorted(tailoring), period_key=key, created_by=actor.account_id, **extra)
        session.add(row)
        session.flush()
        audit.record(session, actor.account_id, f"{kind.audit_prefix}.started", kind.audit_target, row.id,
                     {"tailoring": sorted(tailoring)}, request_id=request_id)
        return int(row.id)


def get(kind: Kind, actor: Actor, attempt_id: int) -> AttemptView:
    """Return one of the actor's organisation's attempts."""
    require(actor, kind.fill_permission)
    with session_scope(read=True) as session:
        return get_in(session, kind, actor, attempt_id)


def get_in(session: Session, kind: Kind, actor: Actor, attempt_id: int) -> AttemptView:
    """``get`` inside the caller's session (one read for a page that also reads the answers)."""
    row = _own(session, kind, actor, attempt_id)
    version_id = session.scalar(select(FormResponse.version_id).where(FormResponse.id == row.response_id))
    assert version_id is not None
    return _view(row, version_id, assessment_of(definition_for_version(version_id, session)))


def history(kind: Kind, actor: Actor) -> list[AttemptView]:
    """Return the organisation's attempts, newest first."""
    require(actor, kind.fill_permission)
    if actor.org_id is None:
        return []
    m = model(kind)
    with session_scope(read=True) as session:
        rows = session.execute(select(kind.table, FormResponse.version_id)
                               .join(FormResponse, FormResponse.id == kind.table.response_id)
                               .where(kind.table.org_id == actor.org_id, *kind.scoped()).order_by(kind.table.id.desc()))
        return [_view(row, vid, m) for row, vid in rows]


def evaluation(kind: Kind, actor: Actor, attempt_id: int,
               answers: dict[str, Any] | None = None) -> tuple[Definition, Evaluation]:
    """Evaluate the attempt's answers (plus unsaved ``answers``) against its own model version."""
    view = get(kind, actor, attempt_id)
    r = responses.get_response(actor, view.response_id)
    d = definition_for_version(r.version_id)
    return d, evaluate(d, {**r.answers, **(answers or {})}, r.context)


def _editable(session: Session, kind: Kind, actor: Actor, attempt_id: int, section: str) -> tuple[Any, FormResponse]:
    """Lock and return (attempt, response) when ``section`` is the one the enterprise may write now."""
    row = _own(session, kind, actor, attempt_id, for_update=True)
    r = session.get(FormResponse, row.response_id, with_for_update=True)
    assert r is not None
    m = assessment_of(definition_for_version(r.version_id, session))
    if row.status != "in_progress":
        raise Conflict(f"该{m.noun}{m.status_label(row.status)}，不能修改。")
    if section in m.assessor_sections:
        raise PermissionDenied("该部分只能由评审员填写。")
    if section != row.current_section:
        raise Conflict("只能填写当前等级；已提交的等级不能修改。")
    return row, r


def save(kind: Kind, actor: Actor, attempt_id: int, section: str, answers: dict[str, Any], base_version: int,
         base_data: dict[str, Any] | None = None) -> int:
    """Save the current tier (or the closing section) for later, unanswered questions allowed; return its version."""
    require(actor, kind.fill_permission)
    with session_scope() as session:
        _, r = _editable(session, kind, actor, attempt_id, section)
        version, _ = responses.save_section_in(session, actor, r, section, answers, base_version, base_data,
                                               move_to=section, complete=False)
        return version


def _scores(session: Session, d: Definition, r: FormResponse) -> Scores:
    ev = evaluate(d, responses.answers_of(session, r.id), responses.context_for(session, r))
    assert ev.scores is not None
    return ev.scores


def submit_tier(kind: Kind, actor: Actor, attempt_id: int, level: int, answers: dict[str, Any], base_version: int,
                base_data: dict[str, Any] | None = None) -> TierOutcome:
    """Submit one tier, every question answered (one transaction); return its score and where it goes next."""
    require(actor, kind.fill_permission)
    with session_scope() as session:
        row = _own(session, kind, actor, attempt_id, for_update=True)
        r = session.get(FormResponse, row.response_id, with_for_update=True)
        assert r is not None
        d = definition_for_version(r.version_id, session)
        m = assessment_of(d)
        if level not in {t.level for t in m.tiers}:
            raise NotFound(f"没有第 {level} 级。")
        tier = m.tier(level)
        row, r = _editable(session, kind, actor, attempt_id, tier.section)
        responses.save_section_in(session, actor, r, tier.section, answers, base_version, base_data, complete=True)
        session.flush()
        score = _scores(session, d, r).sections.get(tier.section) or Decimal(0)
        achieved = score >= Decimal(str(tier.gate))
        last = level == max(t.level for t in m.tiers)
        following = m.tier(level + 1).section if achieved and not last else (m.after_tiers or "done")
        row.current_section = r.current_section = following
        row.tier_scores = {**(row.tier_scores or {}), tier.section: str(stored(score))}
        audit.record(session, actor.account_id, f"{kind.audit_prefix}.level_submitted", kind.audit_target, row.id,
                     {"level": level, "score": str(stored(score))})
    shown = fmt(score)
    if achieved and not last:
        message = f"{tier.label}得分 {shown}，已达到本级要求，即将进入{m.tier(level + 1).label}答题。"
    elif achieved:
        message = f"{tier.label}得分 {shown}，{len(m.tiers)}个等级已全部完成" + \
            ("，请填写成效类指标。" if m.after_tiers else "。")  # noqa: E501
    else:
        message = f"{tier.label}得分 {shown}，未达到本级要求（{fmt(Decimal(str(tier.gate)))}）" + \
            (f"，请填写{_title(d, m.after_tiers)}后查看结果。" if m.after_tiers else "。")
    return TierOutcome(level, float(stored(score)), achieved, following, message)


def _title(d: Definition, section: str | None) -> str:
    return next((s.title.split("（")[0] for s in d.sections if s.name == section), "")


def finish(kind: Kind, actor: Actor, attempt_id: int, answers: dict[str, Any] | None, base_version: int,
           base_data: dict[str, Any] | None = None, request_id: str | None = None) -> AttemptView:
    """Submit the closing section (``after_tiers``, if any) and the whole attempt, and keep its results
    for statistics — one transaction: if any step fails nothing is written."""
    require(actor, kind.fill_permission)
    with session_scope() as session:
        if (done := audit.replayed(session, request_id)) is not None:
            attempt_id = int(done.target_id or attempt_id)
        else:
            _finish(session, kind, actor, attempt_id, answers, base_version, base_data, request_id)
    return get(kind, actor, attempt_id)


def _finish(session: Session, kind: Kind, actor: Actor, attempt_id: int, answers: dict[str, Any] | None,
            base_version: int, base_data: dict[str, Any] | None, request_id: str | None) -> None:
    row = _own(session, kind, actor, attempt_id, for_update=True)
    r = session.get(FormResponse, row.response_id, with_for_update=True)
    assert r is not None
    d = definition_for_version(r.version_id, session)
    m = assessment_of(d)
    closing = m.after_tiers or "done"
    row, r = _editable(session, kind, actor, attempt_id, closing if m.after_tiers else row.current_section)
    if row.current_section != closing:
        raise Conflict("请先完成各等级的答题。")
    if m.after_tiers:
        responses.save_section_in(session, actor, r, m.after_tiers, answers or {}, base_version, base_data,
                                  complete=True)
        session.flush()
    responses.submit_in(session, actor, r)
    session.flush()
    sc = _scores(session, d, r)
    org = session.get(Organisation, row.org_id)
    assert org is not None
    now = utcnow()
    row.status, row.completed_at, row.year, row.current_section = "completed", now, now.astimezone(CHINA).year, "done"
    row.tier = m.level_of_outcome(sc.outcome)
    row.total_score = stored(sc.total if sc.total is not None else Decimal(0))
    row.tier_scores = {k: str(stored(v)) for k, v in sc.sections.items() if m.tier_of(k) is not None}
    session.flush()
    kind.on_complete(session, row, org, sc, m)
    audit.record(session, actor.account_id, f"{kind.audit_prefix}.completed", kind.audit_target, row.id,
                 {"total": str(row.total_score), "level": row.tier}, request_id=request_id)


def abandon(kind: Kind, actor: Actor, attempt_id: int) -> None:
    """Abandon an attempt in progress (to start again with another tailoring)."""
    require(actor, kind.fill_permission)
    with session_scope() as session:
        row = _own(session, kind, actor, attempt_id, for_update=True)
        if row.status != "in_progress":
            raise Conflict("只有进行中的测评可以放弃。")
        row.status = "abandoned"
        audit.record(session, actor.account_id, f"{kind.audit_prefix}.abandoned", kind.audit_target, row.id)


def assess(kind: Kind, actor: Actor, attempt_id: int, section: str, answers: dict[str, Any], base_version: int,
           base_data: dict[str, Any] | None = None) -> int:
    """An assessor writes an assessor-only section of an attempt in their jurisdiction; return its version."""
    with session_scope() as session:
        row = session.get(kind.table, attempt_id, with_for_update=True)
        r = session.get(FormResponse, row.response_id, with_for_update=True) if row is not None else None
        org = session.get(Organisation, row.org_id) if row is not None else None
        if row is None or r is None or org is None or (kind.scoped() and row.code != kind.code):
            raise NotFound("未找到该测评记录。")
        m = assessment_of(definition_for_version(r.version_id, session))
        if not has_perm(actor, m.assessor_permission, region=region_path(org.region_code)) \
                or actor.org_id == row.org_id:
            raise NotFound("未找到该测评记录。")  # outside the jurisdiction it looks absent
        if section not in m.assessor_sections:
            raise PermissionDenied("评审员只能填写评审部分。")
        if row.status == "abandoned":
            raise Conflict("该测评已放弃，不能评审。")
        version, _ = responses.save_section_in(session, actor, r, section, answers, base_version, base_data,
                                               complete=True, as_assessor=True)
        audit.record(session, actor.account_id, f"{kind.audit_prefix}.assessed", kind.audit_target, row.id,
                     {"section": section})
        return version


def dimension_averages(kind: Kind, dimension: str) -> dict[str, float]:
    """Return the mean score per key of one result dimension over completed attempts (generic table)."""
    res = AssessmentResult
    with session_scope(read=True) as session:
        rows = session.execute(select(res.key, func.sum(res.value), func.count())
                               .where(res.code == kind.code, res.dimension == dimension).group_by(res.key))
        return {str(k): int(s) / UNIT / int(n) for k, s, n in rows}
