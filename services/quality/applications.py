"""发起评估申请: after a completed self-assessment (its report generated) an enterprise asks a third-party
evaluation agency to evaluate it; the agency's assessors accept or decline it (with a reason), view the
assessment read-only, comment per clause (services.quality.comments) and record the result — a tier of
the model's levels and a conclusion. The chain is specs/workflows/quality_application.yaml
(draft → submitted → accepted / declined → evaluated; withdrawn by its submitter while submitted).

Scope, enforced here for every read and action: an enterprise sees only its own organisation's
applications; an assessor only those sent to their own agency (``agencies.my_agency``) — another
agency's application looks absent (``NotFound``). One open (submitted / accepted) application per
assessment: the attempt row is locked while applying, and the unique ``open_attempt_id`` backs it up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

import clock
from db.account import Account
from db.assessment import AssessmentAttempt
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from db.organisation import Organisation
from db.quality import QualityApplication
from services.assessment import clauses, flow, quality
from services.assessment.model import assessment_of
from services.core import audit, notify
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, check
from services.core.lengths import too_long
from services.core.permissions import P_QUALITY_ASSESS, P_QUALITY_FILL, Actor, require
from services.core.rules import mobile_is_valid
from services.core.timefmt import china_time
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.schema import Grading
from services.orgs.fields import LANDLINE_RE
from services.quality import agencies
from services.quality.common import attempt_definition, text_problems
from services.workflow import definitions
from services.workflow import engine as workflow
from services.workflow.engine import HistoryRow

SUBJECT = "quality_application"
OPEN = ("submitted", "accepted")
MAX_AHEAD_DAYS = 365          # 期望评估日期: today (China time) … one year ahead
MIN_CONCLUSION = 2            # 评估结论: 2 – 2000 characters (the column's length)
LINK = "quality_application:{id}"


def _name(app: QualityApplication) -> str:
    return f"评估申请 {app.id:d} 号"


workflow.register_subject(workflow.Subject(
    SUBJECT, QualityApplication, "quality_application", name=_name, owner_org=lambda a: a.org_id,
    mirror={"state": "status", "holder_id": "holder_id"},
    audit_detail=lambda a: {"attempt": a.attempt_id, "agency": a.agency_id}))


def status_label(state: str | None) -> str:
    return definitions.get("quality_application").label(state)


@dataclass(frozen=True)
class ApplicationView:
    id: int
    attempt_id: int
    org_name: str
    agency_id: int
    agency_name: str
    contact: str
    phone: str
    expected_date: str        # YYYY-MM-DD
    remarks: str
    status: str
    status_label: str
    holder: str               # the assessor who accepted ("" before)
    result_tier: int | None
    result_label: str         # "" before the evaluation
    conclusion: str
    evaluated_at: str
    created_at: str           # China time
    attempt_completed_at: str
    attempt_level: str        # the self-assessment's overall tier

    @property
    def open(self) -> bool:
        return self.status in OPEN


# --- the form ---------------------------------------------------------------------------------
def form_problems(agency_id: int | None, contact: str, phone: str, expected: dt.date | None,
                  remarks: str) -> dict[str, list[str]]:
    """The rules of the application form, each message naming its field."""
    p: dict[str, list[str]] = {"评估机构": [], "联系人": [], "联系电话": [], "期望评估日期": [], "备注": []}
    if not agency_id:
        p["评估机构"].append("评估机构：必填，请选择一家第三方评估机构。")
    if not contact:
        p["联系人"].append("联系人：必填，请填写联系人姓名。")
    p["联系人"] += too_long("联系人", contact, QualityApplication.contact)
    if not (mobile_is_valid(phone) or LANDLINE_RE.match(phone)):
        p["联系电话"].append("联系电话：须为以 1 开头的 11 位手机号，或「区号-号码」格式的办公电话（如 025-12345678）。")
    today = clock.today()
    if not isinstance(expected, dt.date):
        p["期望评估日期"].append("期望评估日期：必填，请选择日期。")
    elif not today <= expected <= today + dt.timedelta(days=MAX_AHEAD_DAYS):
        p["期望评估日期"].append(f"期望评估日期：须在今天（北京时间 {today.isoformat()}）至 {MAX_AHEAD_DAYS} 天内。")
    p["备注"] += too_long("备注", remarks, QualityApplication.remarks)
    return p


def apply(actor: Actor, attempt_id: int, agency_id: int | None, contact: str, phone: str, expected: dt.date | None,
          remarks: str = "", request_id: str | None = None) -> int:
    """Send a completed self-assessment to an agency for evaluation; return the application's id."""
    require(actor, P_QUALITY_FILL)
    contact, phone, remarks = (contact or "").strip(), (phone or "").strip(), (remarks or "").strip()
    check(form_problems(agency_id, contact, phone, expected, remarks))
    assert expected is not None and agency_id is not None
    try:
        with session_scope() as s:
            if (done := audit.replayed(s, request_id)) is not None:
                return int(done.target_id or 0)
            row = s.get(AssessmentAttempt, attempt_id, with_for_update=True)   # serialises applications of it
            if row is None or row.org_id != actor.org_id or row.code != quality.KIND.code:
                raise NotFound("未找到该自评估记录。")
            if row.status != "completed":
                raise Conflict("只有已完成（已生成自评估报告）的自评估才能发起评估申请，请先完成并提交自评估。")
            if not agencies.is_agency(s, agency_id):
                raise ValidationFailed({"评估机构": ["评估机构：请从列表中选择一家已审核通过的第三方评估机构。"]})
            if s.scalar(select(QualityApplication.id).where(QualityApplication.open_attempt_id == row.id)):
                raise Conflict("该自评估已有一份待受理或评估中的评估申请，请等待处理结果，或撤回后再重新申请。")
            app = QualityApplication(attempt_id=row.id, org_id=row.org_id, agency_id=agency_id, open_attempt_id=row.id,
                                     contact=contact, phone=phone, expected_date=expected, remarks=remarks or None,
                                     status="draft", created_by=actor.account_id, updated_at=utcnow())
            s.add(app)
            s.flush()
            workflow.transition(s, SUBJECT, app, "submit", actor, request_id=request_id)
            org = s.get(Organisation, row.org_id)
            notify.send(s, agencies.assessor_ids(s, agency_id), "收到新的评估申请",
                        f"「{org.name if org else ''}」提交了质量管理能力评估申请（{_name(app)}），请在「评估申请受理」中处理。",
                        LINK.format(id=app.id))
            return int(app.id)
    except IntegrityError as exc:  # a concurrent application of the same assessment came first
        raise Conflict("该自评估已有一份待受理或评估中的评估申请，请刷新后查看。") from exc


# --- loading, scoped ----------------------------------------------------------------------------
def _own(s: Session, actor: Actor, app_id: int, lock: bool = False) -> QualityApplication:
    require(actor, P_QUALITY_FILL)
    app = s.get(QualityApplication, app_id, with_for_update=lock)
    if app is None or actor.org_id is None or app.org_id != actor.org_id:
        raise NotFound("未找到该评估申请。")
    return app


def _agency_app(s: Session, actor: Actor, app_id: int, lock: bool = False) -> QualityApplication:
    agency = agencies.my_agency(s, actor)
    app = s.get(QualityApplication, app_id, with_for_update=lock)
    if app is None or app.agency_id != agency:
        raise NotFound("未找到该评估申请。")     # another agency's application looks absent
    return app


def _visible(s: Session, actor: Actor, app_id: int) -> QualityApplication:
    if P_QUALITY_ASSESS in actor.permissions and "assessor" in actor.roles:
        return _agency_app(s, actor, app_id)
    return _own(s, actor, app_id)


def _grading(s: Session, attempt_id: int) -> Grading:
    d = attempt_definition(s, attempt_id)
    g = d.assessment.grading if d.assessment else None
    assert g is not None
    return g


def _views(s: Session, where: list[Any]) -> list[ApplicationView]:
    ent, agency, holder = aliased(Organisation), aliased(Organisation), aliased(Account)
    rows = s.execute(select(QualityApplication, ent.name, agency.name, holder.display_name, holder.username,
                            AssessmentAttempt.completed_at, AssessmentAttempt.tier)
                     .join(ent, ent.id == QualityApplication.org_id)
                     .join(agency, agency.id == QualityApplication.agency_id)
                     .join(AssessmentAttempt, AssessmentAttempt.id == QualityApplication.attempt_id)
                     .outerjoin(holder, holder.id == QualityApplication.holder_id)
                     .where(*where).order_by(QualityApplication.id.desc())).all()
    gradings: dict[int, Grading] = {}
    out = []
    for a, org, ag, hd, hu, completed, tier in rows:
        g = gradings.get(a.attempt_id) or gradings.setdefault(a.attempt_id, _grading(s, a.attempt_id))
        out.append(ApplicationView(a.id, a.attempt_id, org, a.agency_id, ag, a.contact, a.phone,
                                   a.expected_date.isoformat(), a.remarks or "", a.status, status_label(a.status),
                                   (hd or hu or "") if a.holder_id else "", a.result_tier,
                                   g.label(a.result_tier) if a.result_tier is not None else "", a.conclusion or "",
                                   china_time(a.evaluated_at), china_time(a.created_at), china_time(completed),
                                   g.label(tier)))
    return out


def mine(actor: Actor) -> list[ApplicationView]:
    """The enterprise's applications, newest first."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return []
    with session_scope(read=True) as s:
        return _views(s, [QualityApplication.org_id == actor.org_id])


def queue(actor: Actor, status: str | None = None) -> list[ApplicationView]:
    """The applications sent to the assessor's agency (one status, or all but drafts), newest first."""
    with session_scope(read=True) as s:
        agency = agencies.my_agency(s, actor)
        where = [QualityApplication.agency_id == agency, QualityApplication.status != "draft"]
        if status is not None:
            if status not in definitions.get("quality_application").states:
                raise ValidationFailed({"状态": ["状态：请从列表中选择。"]})
            where.append(QualityApplication.status == status)
        return _views(s, where)


def get(actor: Actor, app_id: int) -> ApplicationView:
    """One application the actor may see (the enterprise's own; an assessor's agency's)."""
    with session_scope(read=True) as s:
        app = _visible(s, actor, app_id)
        return _views(s, [QualityApplication.id == app.id])[0]


def history(actor: Actor, app_id: int) -> list[HistoryRow]:
    """The application's workflow history, oldest first (same scope as ``get``)."""
    with session_scope(read=True) as s:
        app = _visible(s, actor, app_id)
        return workflow.history(s, SUBJECT, app.id, start_label="草稿")


def completed_attempts(actor: Actor) -> list[flow.AttemptView]:
    """The organisation's completed self-assessments (the ones an application may name), newest first."""
    return [a for a in flow.history(quality.KIND, actor) if a.status == "completed"]


def tier_choices(actor: Actor, app_id: int) -> list[tuple[int, str]]:
    """The evaluation results an assessor may record: the model's levels, highest first, then below the first."""
    with session_scope(read=True) as s:
        app = _agency_app(s, actor, app_id)
        g = _grading(s, app.attempt_id)
        return [(x.level, x.label) for x in sorted(g.levels, key=lambda x: -x.level)] + [(0, g.below_label)]


# --- the enterprise's actions -----------------------------------------------------------------
def withdraw(actor: Actor, app_id: int, request_id: str | None = None) -> None:
    """撤回 while submitted, by the account that submitted it."""
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        app = _own(s, actor, app_id, lock=True)
        workflow.transition(s, SUBJECT, app, "withdraw", actor, request_id=request_id)
        app.open_attempt_id, app.updated_at = None, utcnow()


# --- the agency's actions ---------------------------------------------------------------------
def accept(actor: Actor, app_id: int, request_id: str | None = None) -> None:
    """受理 (the accepting assessor becomes its holder); of two assessors accepting at once one wins."""
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        app = _agency_app(s, actor, app_id, lock=True)
        workflow.transition(s, SUBJECT, app, "accept", actor, holder=(actor.account_id, None), request_id=request_id)
        app.updated_at = utcnow()


def decline(actor: Actor, app_id: int, reason: str, request_id: str | None = None) -> None:
    """拒绝 with a reason the enterprise sees."""
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        app = _agency_app(s, actor, app_id, lock=True)
        workflow.transition(s, SUBJECT, app, "decline", actor, reason=reason, request_id=request_id)
        app.open_attempt_id, app.updated_at = None, utcnow()


def evaluate(actor: Actor, app_id: int, tier: int | None, conclusion: str, request_id: str | None = None) -> None:
    """记录评估结果: a tier of the model's levels (0 = below the first) and a conclusion."""
    conclusion = (conclusion or "").strip()
    check({"评估结论": text_problems("评估结论", conclusion, MIN_CONCLUSION, QualityApplication.conclusion)})
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        app = _agency_app(s, actor, app_id, lock=True)
        g = _grading(s, app.attempt_id)
        allowed = {x.level for x in g.levels} | {0}
        if tier not in allowed:
            raise ValidationFailed({"评估等级": [f"评估等级：请从 {g.below_label}、{'、'.join(x.label for x in g.levels)} 中选择。"]})
        workflow.transition(s, SUBJECT, app, "evaluate", actor, variables={"tier": g.label(tier)},
                            detail={"tier": tier}, request_id=request_id)
        app.result_tier, app.conclusion = tier, conclusion
        app.evaluated_by, app.evaluated_at = actor.account_id, utcnow()
        app.open_attempt_id, app.updated_at = None, utcnow()


def assessor_snapshot(actor: Actor, app_id: int) -> quality.Snapshot:
    """The assessed attempt, read-only, for an assessor of the agency the application was sent to — while
    it is submitted, accepted or evaluated (not after it was declined or withdrawn)."""
    with session_scope(read=True) as s:
        app = _agency_app(s, actor, app_id)
        if app.status not in ("submitted", "accepted", "evaluated"):
            raise PermissionDenied(f"该评估申请{status_label(app.status)}，不能查看企业的自评估情况。")
        row = s.get(AssessmentAttempt, app.attempt_id)
        r = s.get(FormResponse, row.response_id) if row is not None else None
        assert row is not None and r is not None
        d = definition_for_version(r.version_id, s)
        g = d.assessment.grading if d.assessment else None
        perf = s.get(ResponseSection, (r.id, g.performance_section)) if g and g.performance_section else None
        view = flow._view(row, r.version_id, assessment_of(d))   # the flow's own view of an attempt row
        return quality.Snapshot(view, d, responses.answers_of(s, r.id), clauses.states_in(s, r.id),
                                perf.version if perf else 0)


def commentable(s: Session, actor: Actor, app_id: int) -> QualityApplication:
    """The application (locked) when the assessor may comment on its assessment now: their agency's, accepted."""
    app = _agency_app(s, actor, app_id, lock=True)
    if app.status != "accepted":
        raise Conflict(f"该评估申请当前状态为「{status_label(app.status)}」，受理后、出具评估结果前才能填写沟通记录。")
    return app
