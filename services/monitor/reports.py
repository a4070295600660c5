"""Monthly reports, enterprise side: 当期报送 / 补报 (open, fill through the definition engine,
questionnaires, 上报), 撤销, 历史报送 and the freeze on key-field changes.

The report month is the previous calendar month in China time (reports for October are filed in
November); past months back to ``HISTORY_MONTHS`` can be filed late (补报).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.engine import session_scope
from db.forms import FormDefinition, FormResponse, FormVersion, ResponseSection
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core import audit, notify
from services.core.errors import Conflict, NotFound, ValidationFailed, check
from services.forms import ownership, responses
from services.forms.definitions import definition_for_version, monitor_settings, published_version
from services.forms.audience import audience_matches
from services.forms.engine import evaluate
from services.forms.typed_rows import write_typed_rows
from services.core.lengths import too_long
from services.monitor import freeze, reviewers, workflow
from services.core.permissions import P_MONITOR_REPORT, Actor, require
from services.core.timefmt import china_now, china_time

REPORT_CODE = "sme_monthly_report"
HISTORY_MONTHS = 24
DUE_DAY = 10  # a month's report is due by the 10th of the next month (China time)
QUESTIONNAIRE_STEP = "questionnaires"  # the response's position once the enterprise reached step ④
KEY_FIELDS = {"org_name": "企业名称", "credit_code": "统一社会信用代码", "industry": "所属行业"}


# --- periods -------------------------------------------------------------------------------
def current_period(now: dt.datetime | None = None) -> str:
    """Return the month being reported now: the previous calendar month, China time."""
    now = now or china_now()
    y, m = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return f"{y}-{m:02d}"


def period_options(now: dt.datetime | None = None) -> list[str]:
    """Return the months that may be filed (current first, then late ones)."""
    out, p = [], current_period(now)
    for _ in range(HISTORY_MONTHS):
        out.append(p)
        p = responses.previous_period(p)
    return out


def is_quarter_month(period: str) -> bool:
    return int(period[5:7]) in (2, 5, 8, 11, 12)


# --- loading -------------------------------------------------------------------------------
def own_org(session: Session, actor: Actor) -> Organisation:
    require(actor, P_MONITOR_REPORT)
    org = session.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None:
        raise ValidationFailed({"企业信息": ["企业信息：请先填写企业注册信息并提交审核。"]})
    if org.status != "approved":
        raise ValidationFailed({"企业信息": ["企业信息：企业注册信息审核通过后才能报送月报。"]})
    return org


def own_report(session: Session, actor: Actor, report_id: int, lock: bool = False) -> MonitorReport:
    report = session.get(MonitorReport, report_id, with_for_update=lock)
    if report is None or actor.org_id is None or report.org_id != actor.org_id:
        raise NotFound("未找到该月报。")
    require(actor, P_MONITOR_REPORT)
    return report


def basic_from_org(org: Organisation) -> dict[str, Any]:
    """Return step 1's answers prefilled from the organisation."""
    return {"org_name": org.name, "credit_code": org.credit_code, "industry": org.industry_code,
            "reporter": org.contact_name, "reporter_phone": org.contact_phone}


def new_report(session: Session, org: Organisation, period: str, actor_id: int | None,
               reporter: str | None = None, source: str = "online") -> MonitorReport:
    """Create the response (step 1 prefilled) and its workflow row."""
    v = published_version(REPORT_CODE, session)
    r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=org.id, period=period, status="draft",
                     created_by=actor_id, current_section="basic")
    session.add(r)
    session.flush()
    basic = basic_from_org(org) | ({"reporter": reporter} if reporter else {})
    session.add(ResponseSection(response_id=r.id, section="basic", data=basic, version=1, updated_by=actor_id))
    report = MonitorReport(org_id=org.id, period=period, response_id=r.id, status="editing", reporter=reporter,
                           source=source, province_code=org.province_code, city_code=org.city_code,
                           county_code=org.county_code, division_code=org.division_code)
    session.add(report)
    session.flush()
    return report


def open_report(actor: Actor, period: str, reporter: str | None = None) -> int:
    """Return the actor's report for ``period`` (created when missing); the month must be fileable."""
    with session_scope() as session:
        org = own_org(session, actor)
        existing = session.scalar(select(MonitorReport).where(MonitorReport.org_id == org.id,
                                                              MonitorReport.period == period))
        if existing is not None:
            return existing.id
        if period not in period_options():
            raise ValidationFailed({"报表月份": [f"报表月份：{period} 不在可报送的月份范围内。"]})
        report = new_report(session, org, period, actor.account_id, reporter)
        audit.record(session, actor.account_id, "monitor.opened", "monitor_report", report.id, {"period": period})
        return report.id


# --- freezing --------------------------------------------------------------------------------
def _freeze_on_key_change(session: Session, response: FormResponse, section: str, data: dict[str, Any],
                          actor: Actor) -> None:
    """After step 1 is saved: a changed name, credit code or industry freezes the report. The reporter
    is kept in a column, so its length is that column's (the save is refused, with the field named)."""
    if section != "basic":
        return
    check({"填报人": too_long("填报人", data.get("reporter"), MonitorReport.reporter)})
    report = session.scalar(select(MonitorReport).where(MonitorReport.response_id == response.id))
    org = session.get(Organisation, response.org_id)
    if report is None or org is None:
        return
    now = basic_from_org(org)
    changes = {k: [now.get(k), data.get(k)] for k in KEY_FIELDS if (data.get(k) or None) != (now.get(k) or None)}
    if not changes:
        return
    workflow.move(session, report, actor, "freeze", frozen_changes=changes,
                  reason="修改了" + "、".join(KEY_FIELDS[k] for k in changes))
    notify.send(session, [reviewers.direct_reviewer(session, org)], f"{org.name} 修改了关键信息，月报已冻结",
                "请在「月报审核 › 冻结确认」中确认或驳回变更。", link=f"monitor_report:{report.id}")


responses.AFTER_SAVE["monthly_report"] = _freeze_on_key_change


# --- questionnaires (step 4) ---------------------------------------------------------------
@dataclass(frozen=True)
class Questionnaire:
    version_id: int
    code: str
    title: str
    response_id: int | None
    answered: bool


def questionnaires_for(session: Session, org: Organisation, period: str) -> list[Questionnaire]:
    """Return the month's questionnaires for this organisation: every published monthly survey that
    reaches it (national, or of a region it lies in: ``ownership.reach_clause``) and whose scope admits it
    (``designer.audience_matches``: the designer's regions, industries, sizes, manufacturing or not, the
    survey window; ``settings.monitor.audience`` of shipped files)."""
    out = []
    rows = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                           .where(FormVersion.status == "published", FormDefinition.kind == "survey",
                                  ownership.reach_clause(org))
                           .order_by(FormDefinition.code))
    for d, v in rows:
        monitor = monitor_settings(v.content)
        if not monitor or v.content.get("period") != "month" or not audience_matches(v.content, org, period):
            continue
        r = session.scalar(select(FormResponse).where(FormResponse.definition_id == d.id, FormResponse.org_id == org.id,
                                                      FormResponse.period == period).order_by(FormResponse.id.desc()))
        out.append(Questionnaire(v.id, d.code, v.content.get("title", d.title), r.id if r else None,
                                 r is not None and r.status in ("submitted", "approved")))
    return out


def questionnaires(actor: Actor, report_id: int) -> list[Questionnaire]:
    with session_scope(read=True) as session:
        report = own_report(session, actor, report_id)
        org = session.get(Organisation, report.org_id)
        assert org is not None
        return questionnaires_for(session, org, report.period)


def set_step(actor: Actor, report_id: int, section: str) -> None:
    """Remember the step the enterprise is on (a section name, or ``QUESTIONNAIRE_STEP``), so a new
    session opens the report there."""
    with session_scope(read=True) as session:
        report = own_report(session, actor, report_id)
        response_id = report.response_id
    responses.set_position(actor, response_id, section)


def open_questionnaire(actor: Actor, report_id: int, version_id: int) -> int:
    """Open (or resume) one of the month's questionnaires; return its response id."""
    items = {q.version_id: q for q in questionnaires(actor, report_id)}
    if version_id not in items:
        raise NotFound("本月没有该问卷。")
    with session_scope(read=True) as session:
        period = own_report(session, actor, report_id).period
    return responses.open_response(actor, version_id, period, in_monthly_report=True)


# --- 上报 / 撤销 ------------------------------------------------------------------------------
def check_and_report(session: Session, report: MonitorReport, actor: Actor, action: str = "report",
                     request_id: str | None = None, require_questionnaires: bool = True) -> list[str]:
    """Validate the whole report (errors block), record warnings, and send it to the direct reviewer."""
    if report.status not in workflow.EDITABLE:
        raise Conflict(f"该月报当前状态为「{workflow.STATUS_LABEL.get(report.status)}」，不能上报。")
    response = session.get(FormResponse, report.response_id)
    org = session.get(Organisation, report.org_id)
    assert response is not None and org is not None
    d = definition_for_version(response.version_id, session)
    ev = evaluate(d, responses.answers_of(session, response.id), responses.context_for(session, response))
    if ev.errors():
        raise responses.findings_error(ev.errors(), "月报")
    if require_questionnaires:
        missing = [q.title for q in questionnaires_for(session, org, report.period) if not q.answered]
        if missing:
            raise ValidationFailed({"调查问卷": [f"调查问卷：请先完成「{t}」后再上报。" for t in missing]})
    warnings = [w.message for w in ev.warnings()]
    response.warnings = [{"message": w.message, "question": w.question, "section": w.section, "rule": w.rule}
                         for w in ev.warnings()]
    response.submitted_at = utcnow()
    write_typed_rows(session, response, d, ev)
    holder = reviewers.direct_reviewer(session, org)
    level = reviewers.reviewer_row(session, holder).level
    basic = responses.answers_of(session, response.id)
    workflow.move(session, report, actor, action, holder, level, request_id=request_id,
                  screening_passed=not warnings, warning_count=len(warnings), acted=False, approved=False,
                  submitted_at=utcnow(), return_reason=None, reporter=basic.get("reporter") or report.reporter,
                  reviewer_id=holder)
    notify.send(session, [holder], f"{org.name} 上报了 {report.period} 月报",
                "系统筛查" + ("通过。" if not warnings else f"有 {len(warnings)} 条提示，请核实。"),
                link=f"monitor_report:{report.id}")
    return warnings


def submit_report(actor: Actor, report_id: int, request_id: str | None = None) -> list[str]:
    """上报: validate, record warnings, send to the direct reviewer; return the warnings. Replays do nothing."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return []
        report = own_report(session, actor, report_id, lock=True)
        return check_and_report(session, report, actor, request_id=request_id)


def revoke(actor: Actor, report_id: int, request_id: str | None = None) -> None:
    """撤销: take a report back while no administrator has acted on it yet."""
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        report = own_report(session, actor, report_id, lock=True)
        if report.status != "reviewing" or report.acted or report.holder_id != report.reviewer_id:
            raise Conflict("管理员已开始审核该月报，不能撤销；如需修改请联系当前审核的管理员退回。")
        workflow.move(session, report, actor, "revoke", request_id=request_id)


# --- 历史报送 ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthRow:
    period: str
    report_id: int | None
    status: str | None
    status_label: str
    action: str | None          # "编辑" (current month) / "补报" (earlier month) / None
    can_revoke: bool
    return_reason: str | None
    screening_passed: bool | None
    warning_count: int
    submitted_at: str


def history(actor: Actor, year_from: int | None = None, year_to: int | None = None,
            status: str | None = None) -> list[MonthRow]:
    """Return one row per month of the chosen years (default: this year) up to the current month."""
    current = current_period()
    fileable = set(period_options())
    year_to = year_to or int(current[:4])
    year_from = year_from or year_to
    with session_scope() as session:  # writes: frozen reports past two minutes are confirmed here
        org = own_org(session, actor)
        reports = {r.period: r for r in session.scalars(select(MonitorReport).where(
            MonitorReport.org_id == org.id, MonitorReport.period >= f"{year_from}-01",
            MonitorReport.period <= f"{year_to}-12"))}
        freeze.settle(session, reports.values())  # frozen two minutes with no decision: confirmed by the system
    out = []
    for year in range(year_to, year_from - 1, -1):
        for month in range(12, 0, -1):
            p = f"{year}-{month:02d}"
            if p > current:
                continue
            r = reports.get(p)
            st = r.status if r else None
            if status and (st or "unfilled") != status:
                continue
            editable = (st is None or st in workflow.EDITABLE) and p in fileable
            out.append(MonthRow(p, r.id if r else None, st, workflow.STATUS_LABEL.get(st or "", "未填报"),
                                ("编辑" if p == current else "补报") if editable else None,
                                bool(r and r.status == "reviewing" and not r.acted and r.holder_id == r.reviewer_id),
                                r.return_reason if r else None, r.screening_passed if r else None,
                                r.warning_count if r else 0, china_time(r.submitted_at) if r else ""))
    return out


# --- 工作台 (the enterprise's home page) --------------------------------------------------------
def due_date(period: str) -> dt.date:
    """Return the last day to report ``period``: the ``DUE_DAY`` of the next month."""
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y + 1, 1, DUE_DAY) if m == 12 else dt.date(y, m + 1, DUE_DAY)


@dataclass(frozen=True)
class HomeSummary:
    period: str                 # the month being reported now
    report_id: int | None
    status_label: str           # 未填报 / 编辑 / 审核中 / …
    reported: bool              # 上报 done (审核中 or 审核通过)
    due: dt.date
    days_left: int              # negative: overdue by that many days
    returned: list[tuple[str, str]]   # (month, reason) of the reports returned for changes, newest first
    unread: int                 # unread messages


def home_summary(actor: Actor) -> HomeSummary:
    """Return what the enterprise's home page shows: this month's report state and deadline, the
    reports returned for changes (with the reason) and the unread messages."""
    period = current_period()
    with session_scope() as session:  # writes: frozen reports past two minutes are confirmed here
        org = own_org(session, actor)
        mine = list(session.scalars(select(MonitorReport).where(
            MonitorReport.org_id == org.id, (MonitorReport.period == period) | (MonitorReport.status == "returned"))
            .order_by(MonitorReport.period.desc())))
        freeze.settle(session, mine)
        current = next((r for r in mine if r.period == period), None)
        returned = [(r.period, r.return_reason or "（未说明）") for r in mine if r.status == "returned"]
        status, report_id = (current.status, current.id) if current else (None, None)
    due = due_date(period)
    return HomeSummary(period, report_id, workflow.STATUS_LABEL.get(status or "", "未填报"),
                       status in ("reviewing", "accepted"), due, (due - china_now().date()).days, returned,
                       notify.unread_count(actor))
