"""The self-diagnosis flow (CMMM enterprise manual): tailor → level by level → indicators → results.

The model, questions, scores and the level gate are the definition ``specs/cmmm/self_diagnosis.yaml``;
this module only sequences it: start (with the monthly limit), save at any time, submit a level
(score at once; ≥ 0.8 goes on to the next level, otherwise — or after level 5 — on to the
effectiveness indicators), finish (submit the response and keep the summary row), abandon.

Monthly limit: at most ``MAX_PER_MONTH`` diagnoses started per enterprise per calendar month in
China Standard Time (abandoned ones do not count), and one in progress at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from db.base import utcnow
from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import FormResponse, FormVersion, ResponseSection
from db.organisation import Organisation
from services.timefmt import CHINA, china_now, china_time  # noqa: F401  (re-exported for callers)
from services import audit
from services.errors import Conflict, NotFound, ValidationFailed
from services.forms import responses
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Evaluation, evaluate
from services.numfmt import fmt, stored
from services.forms.schema import Definition
from services.permissions import P_DIAG_FILL, Actor, require
from services.stats import cmmm_stats

CODE = "cmmm_self_diagnosis"
LEVELS = ("level1", "level2", "level3", "level4", "level5")
LEVEL_NAMES = {1: "一级 规划级", 2: "二级 规范级", 3: "三级 集成级", 4: "四级 优化级", 5: "五级 引领级"}
LEVEL_OF_OUTCOME = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5}
DOMAIN_ORDER = ["组织战略", "人员技能", "数据", "集成", "信息安全", "装备", "网络", "设计", "生产", "物流", "销售", "服务"]
TAILORABLE = {"design": "设计（产品设计、工艺设计）", "logistics": "物流", "sales": "销售", "service": "服务（客户服务、产品服务）"}
MAX_PER_MONTH = 3
STATUS_LABEL = {"in_progress": "诊断中", "completed": "已完成", "abandoned": "已放弃"}
PASS = Decimal("0.8")
ADVANCE_SECONDS = 3  # the manual waits 3 seconds before moving on to the next level


def level_label(level: int | None) -> str:
    """Return "二级 规范级", or "未达到一级" for 0."""
    if level is None:
        return ""
    return LEVEL_NAMES.get(level, "未达到一级")


@dataclass
class DiagnosisView:
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


def _view(d: Diagnosis, version_id: int) -> DiagnosisView:
    return DiagnosisView(d.id, d.response_id, version_id, d.org_id, d.status, STATUS_LABEL[d.status], d.current_section,
                         list(d.tailoring or []), china_time(d.started_at),
                         (china_time(d.completed_at) or None),
                         float(d.total_score) if d.total_score is not None else None, d.level, level_label(d.level),
                         {k: float(v) for k, v in (d.level_scores or {}).items()})


def _own(session: Any, actor: Actor, diagnosis_id: int, for_update: bool = False) -> Diagnosis:
    d = session.get(Diagnosis, diagnosis_id, with_for_update=for_update)
    if d is None or d.org_id != actor.org_id:
        raise NotFound("未找到该自诊断记录。")
    return d


def definition() -> tuple[int, Definition]:
    """Return (version id, typed definition) of the published self-diagnosis model."""
    v = published_version(CODE)
    return v.id, definition_for_version(v.id)


def start(actor: Actor, tailoring: list[str], request_id: str | None = None) -> int:
    """Start a diagnosis with the chosen tailoring (fixed from now on); return its id."""
    require(actor, P_DIAG_FILL)
    if actor.org_id is None:
        raise ValidationFailed({"单位": ["单位：请先完成单位注册信息并通过审核。"]})
    bad = [t for t in tailoring if t not in TAILORABLE]
    if bad:
        raise ValidationFailed({"裁剪": [f"裁剪：只能裁剪设计、物流、销售、服务能力域，不能裁剪 {bad}。"]})
    version_id, _ = definition()
    month = china_now().strftime("%Y-%m")
    with session_scope() as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return int(done.target_id or 0)
        org = session.get(Organisation, actor.org_id, with_for_update=True)  # serialises starts of one org
        if org is None or org.status != "approved":
            raise ValidationFailed({"单位": ["单位：注册信息审核通过后才能开始自诊断。"]})
        if session.scalar(select(Diagnosis.id).where(Diagnosis.org_id == org.id, Diagnosis.status == "in_progress")):
            raise Conflict("已有一份进行中的自诊断，请继续填写或放弃后再新建。")
        used = session.scalar(select(func.count()).select_from(Diagnosis).where(
            Diagnosis.org_id == org.id, Diagnosis.month == month, Diagnosis.status != "abandoned")) or 0
        if used >= MAX_PER_MONTH:
            raise Conflict(f"每家企业每个自然月最多进行 {MAX_PER_MONTH} 次自诊断（北京时间 {month} 已进行 {used} 次），请下月再试。")
        v = session.get(FormVersion, version_id)
        assert v is not None
        r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=org.id, period="", status="draft",
                         current_section="level1", created_by=actor.account_id)
        session.add(r)
        session.flush()
        session.add(ResponseSection(response_id=r.id, section="tailoring", data={"tailor": sorted(tailoring) or None},
                                    version=1, updated_by=actor.account_id))
        d = Diagnosis(response_id=r.id, org_id=org.id, status="in_progress", current_section="level1",
                      tailoring=sorted(tailoring), month=month, created_by=actor.account_id)
        session.add(d)
        session.flush()
        audit.record(session, actor.account_id, "cmmm.started", "cmmm_diagnosis", d.id, {"tailoring": sorted(tailoring)},
                     request_id=request_id)
        return d.id


def get(actor: Actor, diagnosis_id: int) -> DiagnosisView:
    """Return one of the actor's organisation's diagnoses."""
    require(actor, P_DIAG_FILL)
    with session_scope(read=True) as session:
        d = _own(session, actor, diagnosis_id)
        r = session.get(FormResponse, d.response_id)
        assert r is not None
        return _view(d, r.version_id)


def history(actor: Actor) -> list[DiagnosisView]:
    """Return the organisation's diagnoses, newest first."""
    require(actor, P_DIAG_FILL)
    if actor.org_id is None:
        return []
    with session_scope(read=True) as session:
        rows = session.execute(select(Diagnosis, FormResponse.version_id).join(FormResponse, FormResponse.id == Diagnosis.response_id)
                               .where(Diagnosis.org_id == actor.org_id).order_by(Diagnosis.id.desc()))
        return [_view(d, vid) for d, vid in rows]


def evaluation(actor: Actor, diagnosis_id: int, answers: dict[str, Any] | None = None) -> tuple[Definition, Evaluation]:
    """Evaluate the diagnosis's answers (plus unsaved ``answers``) against its own model version."""
    view = get(actor, diagnosis_id)
    r = responses.get_response(actor, view.response_id)
    d = definition_for_version(r.version_id)
    return d, evaluate(d, {**r.answers, **(answers or {})}, r.context)


def save(actor: Actor, diagnosis_id: int, section: str, answers: dict[str, Any], base_version: int,
         base_data: dict[str, Any] | None = None) -> int:
    """Save a level or the indicator form for later (unanswered questions allowed); return its version."""
    view = _editable(actor, diagnosis_id, section)
    version, _ = responses.save_section(actor, view.response_id, section, answers, base_version, base_data,
                                        move_to=section, complete=False)
    return version


@dataclass(frozen=True)
class LevelOutcome:
    level: int
    score: float
    achieved: bool
    next_section: str
    message: str


def submit_level(actor: Actor, diagnosis_id: int, level: int, answers: dict[str, Any], base_version: int,
                 base_data: dict[str, Any] | None = None) -> LevelOutcome:
    """Submit one level: every question answered; return its score and where the diagnosis goes next."""
    section = f"level{level}"
    view = _editable(actor, diagnosis_id, section)
    responses.save_section(actor, view.response_id, section, answers, base_version, base_data, complete=True)
    d, ev = evaluation(actor, diagnosis_id)
    got = ev.scores.sections.get(section) if ev.scores else None
    score = got if got is not None else Decimal(0)
    achieved = score >= PASS
    following = f"level{level + 1}" if achieved and level < 5 else "effectiveness"
    with session_scope() as session:
        row = _own(session, actor, diagnosis_id, for_update=True)
        row.current_section = following
        row.level_scores = {**(row.level_scores or {}), section: str(stored(score))}
        r = session.get(FormResponse, row.response_id)
        if r is not None:
            r.current_section = following
        audit.record(session, actor.account_id, "cmmm.level_submitted", "cmmm_diagnosis", row.id,
                     {"level": level, "score": str(stored(score))})
    shown = fmt(score)
    if achieved and level < 5:
        message = f"{LEVEL_NAMES[level]}得分 {shown}，已达到本级要求，即将进入{LEVEL_NAMES[level + 1]}答题。"
    elif achieved:
        message = f"{LEVEL_NAMES[level]}得分 {shown}，五个等级已全部完成，请填写成效类指标。"
    else:
        message = f"{LEVEL_NAMES[level]}得分 {shown}，未达到本级要求（0.80），请填写成效类指标后查看诊断结果。"
    return LevelOutcome(level, float(stored(score)), achieved, following, message)


def _editable(actor: Actor, diagnosis_id: int, section: str) -> DiagnosisView:
    view = get(actor, diagnosis_id)
    if view.status != "in_progress":
        raise Conflict(f"该自诊断{view.status_label}，不能修改。")
    if section != view.current_section:
        raise Conflict("只能填写当前等级；已提交的等级不能修改。")
    return view


def stored_scores(sc: Any) -> dict[str, Any]:
    """A completed diagnosis' score columns from its evaluation's scores (four decimals, half up)."""
    return {"total_score": stored(sc.total if sc.total is not None else Decimal(0)),
            "level_scores": {k: str(stored(v)) for k, v in sc.sections.items()},
            "domain_scores": {k: str(stored(v)) for k, v in sc.by_tag.get("domain", {}).items()},
            "group_scores": {k: str(stored(v)) for k, v in sc.groups.items()},
            "subdomain_scores": {k: str(stored(v)) for k, v in sc.by_tag.get("subdomain", {}).items()}}


def finish(actor: Actor, diagnosis_id: int, answers: dict[str, Any], base_version: int,
           base_data: dict[str, Any] | None = None, request_id: str | None = None) -> DiagnosisView:
    """Submit the effectiveness indicators and the whole diagnosis; keep its results for statistics."""
    view = _editable(actor, diagnosis_id, "effectiveness")
    responses.save_section(actor, view.response_id, "effectiveness", answers, base_version, base_data, complete=True)
    responses.submit(actor, view.response_id, request_id=request_id)
    d, ev = evaluation(actor, diagnosis_id)
    sc = ev.scores
    assert sc is not None
    total = sc.total if sc.total is not None else Decimal(0)
    level = LEVEL_OF_OUTCOME.get(sc.outcome or "", 0)
    now = utcnow()
    with session_scope() as session:
        row = _own(session, actor, diagnosis_id, for_update=True)
        org = session.get(Organisation, row.org_id)
        assert org is not None
        row.status, row.completed_at, row.year = "completed", now, now.astimezone(CHINA).year
        row.current_section = "done"
        row.level = level
        for name, value in stored_scores(sc).items():
            setattr(row, name, value)
        row.province_code, row.city_code, row.county_code = org.province_code, org.city_code, org.county_code
        row.division_code, row.size = org.division_code, org.size
        cmmm_stats.set_typed_scores(row)
        session.flush()
        cmmm_stats.on_completed(session, row)  # the dashboards see it at once
        audit.record(session, actor.account_id, "cmmm.completed", "cmmm_diagnosis", row.id,
                     {"total": str(stored(total)), "level": level})
    return get(actor, diagnosis_id)


def abandon(actor: Actor, diagnosis_id: int) -> None:
    """Abandon an in-progress diagnosis (to start again with another tailoring)."""
    require(actor, P_DIAG_FILL)
    with session_scope() as session:
        d = _own(session, actor, diagnosis_id, for_update=True)
        if d.status != "in_progress":
            raise Conflict("只有进行中的自诊断可以放弃。")
        d.status = "abandoned"
        audit.record(session, actor.account_id, "cmmm.abandoned", "cmmm_diagnosis", d.id)
