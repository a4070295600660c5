"""Monthly reports, reviewer side: the queue of reports waiting for *this* administrator, the detail
with last month beside it, 接收 / 退回, 一键接收 / 越级接收, and confirming frozen key-field changes.

Only the holder acts on a report (the manual: a lower level that passed it on must ask the holder).
Every query is limited to the actor's jurisdiction in SQL (services.core.scope.within on the report's
copied region columns).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.account import Account
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from db.monitor import MonitorReport, MonitorReviewer
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, check
from services.forms import responses
from services.forms.definitions import definition_for_version
from services.forms.engine import Context, evaluate
from services.core.lengths import too_long
from services.monitor import freeze, reviewers, workflow
from services.monitor.reports import basic_from_org
from services.core.permissions import (P_MONITOR_REPORT, P_MONITOR_REVIEW, Actor, RegionPath, has_perm, in_jurisdiction,
                                  require)
from services.reference import region_path
from services.core.scope import jurisdiction, org_clause, within
from services.core.timefmt import china_time

PAGE = 50
RETURN_REASON_MAX = 150  # a reason the enterprise reads (退回 and 驳回 alike)


# --- the queue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueFilter:
    period: str | None = None
    region_code: str | None = None
    status: str = "waiting"           # waiting (for me) / reviewing / returned / accepted / frozen / all
    screening: bool | None = None     # passed / failed system screening
    keyword: str = ""


@dataclass(frozen=True)
class QueueRow:
    id: int
    period: str
    org_id: int
    org_name: str
    credit_code: str
    region_code: str | None
    status: str
    status_label: str
    holder_level: str | None
    screening_passed: bool | None
    warning_count: int
    submitted_at: str
    waiting_for_me: bool


def _region(actor: Actor) -> Any:
    return jurisdiction(actor, MonitorReport.province_code, MonitorReport.city_code, MonitorReport.county_code)


def queue(actor: Actor, f: QueueFilter = QueueFilter(), page: int = 0, page_size: int = PAGE) -> tuple[int, list[QueueRow]]:
    """Return (total, one page) of reports in the actor's jurisdiction matching the filter."""
    require(actor, P_MONITOR_REVIEW)
    where: list[Any] = [_region(actor)]
    if f.status == "waiting":
        where += [MonitorReport.holder_id == actor.account_id, MonitorReport.status == "reviewing"]
    elif f.status != "all":
        where.append(MonitorReport.status == f.status)
    if f.period:
        where.append(MonitorReport.period == f.period)
    if f.region_code:
        if not in_jurisdiction(actor, region_path(f.region_code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(f.region_code, MonitorReport.province_code, MonitorReport.city_code,
                            MonitorReport.county_code))
    if f.screening is not None:
        where.append(MonitorReport.screening_passed.is_(f.screening))
    keyword = (f.keyword or "").strip()
    with session_scope() as session:  # writes: frozen reports past two minutes are confirmed here
        if f.status in ("frozen", "all"):  # frozen two minutes with no decision: confirmed by the system first
            freeze.settle(session, session.scalars(select(MonitorReport).where(
                *where, MonitorReport.status == "frozen")).all())
        base = select(MonitorReport, Organisation).join(Organisation, Organisation.id == MonitorReport.org_id).where(*where)
        if keyword:
            # find the (few) matching organisations first, then their reports through the org index
            matching = select(Organisation.id).where(
                org_clause(actor), or_(Organisation.name.contains(keyword), Organisation.credit_code.contains(keyword.upper())))
            base = base.where(MonitorReport.org_id.in_(matching))
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = session.execute(base.order_by(MonitorReport.period.desc(), MonitorReport.submitted_at, MonitorReport.id)
                               .offset(page * page_size).limit(page_size))
        return int(total), [QueueRow(r.id, r.period, o.id, o.name, o.credit_code or "", o.region_code, r.status,
                                     workflow.STATUS_LABEL.get(r.status, r.status), r.holder_level, r.screening_passed,
                                     r.warning_count, china_time(r.submitted_at),
                                     r.holder_id == actor.account_id and r.status == "reviewing") for r, o in rows]


# --- detail (enterprise and reviewers) -------------------------------------------------------
@dataclass
class ReportDetail:
    id: int
    period: str
    org_id: int
    org_name: str
    credit_code: str
    status: str
    status_label: str
    holder: str
    holder_level: str | None
    screening_passed: bool | None
    warnings: list[str]
    return_reason: str | None
    reporter: str | None
    submitted_at: str
    version_id: int
    response_id: int
    answers: dict[str, Any]
    frozen_changes: dict[str, Any]
    history: list[dict[str, str]] = field(default_factory=list)
    org_context: dict[str, Any] = field(default_factory=dict)   # what the form's expressions read as ${org.x}
    can_accept: bool = False
    can_return: bool = False
    indicators: list[dict[str, Any]] = field(default_factory=list)  # the indicator table (indicator_rows)
    current_section: str = ""   # where the enterprise stopped (reports.QUESTIONNAIRE_STEP: step ④)


def _visible(session: Session, actor: Actor, report: MonitorReport) -> bool:
    if actor.org_id is not None and actor.org_id == report.org_id and has_perm(actor, P_MONITOR_REPORT):
        return True
    return has_perm(actor, P_MONITOR_REVIEW, RegionPath(report.province_code, report.city_code, report.county_code))


def load(session: Session, actor: Actor, report_id: int, lock: bool = False) -> MonitorReport:
    report = session.get(MonitorReport, report_id, with_for_update=lock)
    if report is None or not _visible(session, actor, report):
        raise NotFound("未找到该月报。")  # another jurisdiction's report looks absent
    freeze.settle(session, [report])  # frozen two minutes with no decision: confirmed by the system
    return report


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {a.id: a.display_name or a.username for a in session.scalars(select(Account).where(Account.id.in_(ids)))}


def _detail(session: Session, actor: Actor, report: MonitorReport) -> ReportDetail:
    org = session.get(Organisation, report.org_id)
    response = session.get(FormResponse, report.response_id)
    assert org is not None and response is not None
    names = _names(session, {report.holder_id})
    history = workflow.history(session, report.id)
    holds = report.holder_id == actor.account_id
    d = ReportDetail(report.id, report.period, org.id, org.name, org.credit_code or "", report.status,
                        workflow.STATUS_LABEL.get(report.status, report.status), names.get(report.holder_id or 0, ""),
                        report.holder_level, report.screening_passed,
                        [w.get("message", "") for w in (response.warnings or [])], report.return_reason,
                        report.reporter, china_time(report.submitted_at), response.version_id, response.id,
                        responses.answers_of(session, response.id), dict(report.frozen_changes or {}), history,
                        responses.org_context(org), can_accept=holds and report.status == "reviewing",
                        can_return=(holds and report.status == "reviewing") or
                        (report.status == "accepted" and actor.is_national and has_perm(actor, P_MONITOR_REVIEW)))
    d.current_section = response.current_section or ""
    d.indicators = indicator_rows(d, session)  # evaluated once; the page, the Excel and the print view share it
    return d


def detail(actor: Actor, report_id: int) -> ReportDetail:
    with session_scope() as session:  # writes: frozen reports past two minutes are confirmed here
        return _detail(session, actor, load(session, actor, report_id))


def with_last_month(actor: Actor, report_id: int) -> tuple[ReportDetail, ReportDetail | None]:
    """Return this month's report and the same enterprise's previous month (查看本月 / 查看上月)."""
    with session_scope(read=True) as session:
        report = load(session, actor, report_id)
        prev = session.scalar(select(MonitorReport).where(MonitorReport.org_id == report.org_id,
                                                          MonitorReport.period == responses.previous_period(report.period)))
        return _detail(session, actor, report), _detail(session, actor, prev) if prev is not None else None


def indicator_rows(d: ReportDetail, session: Session | None = None) -> list[dict[str, Any]]:
    """Return the indicator table as shown and exported: 指标 / 单位 / the four columns / 累计同比增长
    (calculated by the definition's own expression; only the rows the form asked for)."""
    definition = definition_for_version(d.version_id, session)
    q = definition.question("ind")
    ev = evaluate(definition, d.answers, Context(org=d.org_context, period=d.period))
    values = ev.values.get("ind") or {}
    return [{"指标名称": row.label, "计算单位": row.unit, **{c.label: (values.get(row.name) or {}).get(c.name)
                                                      for c in q.cells}}
            for row in q.rows if row.name in ev.rows.get("ind", [row.name])]


# --- 接收 / 退回 -------------------------------------------------------------------------------
def accept(actor: Actor, report_id: int, request_id: str | None = None) -> str:
    """接收: pass the report to the holder's upper administrator (national: final). Return the new status."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return "done"
        report = load(session, actor, report_id, lock=True)
        if report.status != "reviewing" or report.holder_id != actor.account_id:
            raise Conflict("该月报当前不在等待您审核（可能已被接收或退回），请刷新列表。")
        me = reviewers.reviewer_row(session, actor.account_id)
        parent = session.get(MonitorReviewer, me.parent_id) if me.parent_id else None
        if parent is None:
            workflow.move(session, report, actor, "final_accept", actor.account_id, me.level,
                          request_id=request_id, acted=True, approved=True)
            workflow.notify_enterprise(session, report, f"{report.period} 月报已审核通过")
        else:
            workflow.move(session, report, actor, "accept", parent.account_id, parent.level,
                          request_id=request_id, acted=True, approved=True)
        return report.status


def return_report(actor: Actor, report_id: int, reason: str, request_id: str | None = None) -> None:
    """退回: send the report back to the enterprise with a reason (required, ≤150 characters)."""
    require(actor, P_MONITOR_REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"退回原因": ["退回原因：必填项，请说明需要企业修改的内容。"]})
    if len(reason) > RETURN_REASON_MAX:
        raise ValidationFailed({"退回原因": [f"退回原因：不能超过 {RETURN_REASON_MAX} 个字符。"]})
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        report = load(session, actor, report_id, lock=True)
        holds = report.status == "reviewing" and report.holder_id == actor.account_id
        final = report.status == "accepted" and actor.is_national
        if not (holds or final):
            raise Conflict("只有当前等待审核的管理员可以退回该月报；如需退回，请联系当前审核的管理员。")
        workflow.move(session, report, actor, "return", request_id=request_id,
                      reason=reason, return_reason=reason, approved=False, acted=False)
        workflow.notify_enterprise(session, report, f"{report.period} 月报被退回", f"退回原因：{reason}")


def bulk_accept(actor: Actor) -> int:
    """一键接收: accept every report waiting for the actor whose direct reviewer is one of the actor's
    subordinate administrators (needs the grant). One transaction per 1,000 reports."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        me = reviewers.reviewer_row(session, actor.account_id)
        if not me.bulk_accept:
            raise PermissionDenied("您没有「一键接收」权限，请联系上级管理员授权。")
        parent = session.get(MonitorReviewer, me.parent_id) if me.parent_id else None
        below = list(reviewers.subtree(session, actor.account_id) - {actor.account_id})
    return _accept_in_batches(actor, [MonitorReport.holder_id == actor.account_id, MonitorReport.status == "reviewing",
                                      MonitorReport.reviewer_id.in_(below)], parent, "bulk_accept")


def skip_level_accept(actor: Actor) -> tuple[int, int]:
    """越级接收 (province only, granted): every report pending anywhere below the actor that passed
    system screening goes straight to national; return (moved, left for one-by-one review)."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        me = reviewers.reviewer_row(session, actor.account_id)
        if me.level != "province" or not me.skip_level:
            raise PermissionDenied("您没有「越级接收」权限（仅限经授权的省级管理员）。")
        parent = session.get(MonitorReviewer, me.parent_id) if me.parent_id else None
        if parent is None:
            raise Conflict("未找到国家级审核管理员，不能越级接收。")
        holders = list(reviewers.subtree(session, actor.account_id))
    pending = [MonitorReport.status == "reviewing", MonitorReport.holder_id.in_(holders), _region(actor)]
    moved = _accept_in_batches(actor, pending + [MonitorReport.screening_passed.is_(True)], parent, "skip_level_accept")
    with session_scope() as session:
        left = session.scalar(select(func.count()).select_from(MonitorReport).where(*pending)) or 0
    return moved, int(left)


def _accept_in_batches(actor: Actor, where: list[Any], parent: MonitorReviewer | None, action: str,
                       batch: int = 1000) -> int:
    to_holder = parent.account_id if parent else actor.account_id
    level = parent.level if parent else "national"
    total = 0
    while True:
        with session_scope() as session:
            ids = list(session.scalars(select(MonitorReport.id).where(*where).order_by(MonitorReport.id).limit(batch)))
            if not ids:
                return total
            moved = workflow.move_many(session, actor, "bulk_final_accept" if parent is None else action,
                                       [MonitorReport.id.in_(ids), *where], to_holder, level)
            total += len(moved)
            if not moved:
                return total


# --- 冻结确认 -----------------------------------------------------------------------------------
def confirm_change(actor: Actor, report_id: int, request_id: str | None = None) -> None:
    """解除冻结: apply the enterprise's changed name / credit code / industry, and let it go on."""
    require(actor, P_MONITOR_REVIEW)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        report = load(session, actor, report_id, lock=True)
        if report.status != "frozen":
            raise Conflict("该月报未处于冻结状态。")
        freeze.confirm(session, report, actor, request_id)


def reject_change(actor: Actor, report_id: int, reason: str) -> None:
    """Refuse the key-field change: step 1 goes back to the registered values; the report is editable."""
    require(actor, P_MONITOR_REVIEW)
    if not (reason or "").strip():
        raise ValidationFailed({"驳回原因": ["驳回原因：必填项。"]})
    check({"驳回原因": too_long("驳回原因", reason.strip(), RETURN_REASON_MAX)})
    with session_scope() as session:
        report = load(session, actor, report_id, lock=True)
        if report.status != "frozen":
            raise Conflict("该月报未处于冻结状态。")
        org = session.get(Organisation, report.org_id)
        section = session.get(ResponseSection, (report.response_id, "basic"))
        assert org is not None
        if section is not None:
            section.data = {**(section.data or {}), **{k: v for k, v in basic_from_org(org).items()
                                                       if k in ("org_name", "credit_code", "industry")}}
            section.version += 1
        workflow.move(session, report, actor, "reject_change", reason=reason.strip(),
                      frozen_changes={}, return_reason=reason.strip())
        workflow.notify_enterprise(session, report, f"{report.period} 月报的关键信息变更被驳回", reason.strip())
