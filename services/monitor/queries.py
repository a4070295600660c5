"""运行监测 queries (issue 18, 查询 sections of the monitoring manual) as admin-list sources.

Each source applies the actor's jurisdiction in its SQL (``org_clause`` / ``within``); a declaration
(specs/lists/monitor_q_*.yaml) only chooses among the fields and filters named here.

- ``monitor_q_orgs`` 企业基本信息查询: the enterprises of the jurisdiction with their registration data
  (region, user status, name / credit code / username as in 监测企业管理, all enterprises — not only mine).
- ``monitor_q_unreported`` 未报送企业查询: for one report month, the enterprises whose report is not
  submitted: status 编辑 / 冻结 / 解除冻结 / 退回, or 未填报 (no monitor_report row for the month).
- ``monitor_q_changes`` 企业信息变更查询: every key-information change an enterprise made in a month's
  report (the report's ``freeze`` transition), with its outcome read from the next decision on the
  same report: 待审核 (none yet), 审核通过 (``unfreeze`` / ``auto_unfreeze``), 审核退回 (``reject_change``).
- ``monitor_q_year_counts`` 年度报送企业数统计: for one year, a row per subordinate region (of the chosen
  region, default the actor's; a county: itself) with, per month, the enterprises that reported
  (report 审核中 or 审核通过) and those accepted (审核通过).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from db.account import Account
from db.engine import session_scope
from db.monitor import MonitorReport
from db.workflow import WorkflowInstance, WorkflowTransition
from db.organisation import Organisation
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.core.errors import PermissionDenied
from services.core.scope import jurisdiction, org_clause, within
from services.lists.source import Field as F
from services.lists.source import Page, Param, Source, register
from services.core.timefmt import china_time
from services.monitor import enterprises, reports, workflow
import clock
from services.reference import industry, region, region_children, region_full_name, region_path

CHUNK = 500


def _industry_name(code: str | None) -> str:
    node = industry(code) if code else None
    return node.name if node else ""


def _usernames(session: Session, ids: list[int]) -> dict[int, list[Account]]:
    out: dict[int, list[Account]] = {}
    for a in session.scalars(select(Account).where(Account.org_id.in_(ids)).order_by(Account.id)):
        out.setdefault(a.org_id or 0, []).append(a)
    return out


# --- 企业基本信息查询 ---------------------------------------------------------------------------
def _org_rows(session: Session, orgs: list[Organisation]) -> list[dict[str, Any]]:
    accounts = _usernames(session, [o.id for o in orgs])
    out = []
    for o in orgs:
        mine = accounts.get(o.id, [])
        state = "none" if not mine else "active" if any(a.status == "active" for a in mine) else "disabled"
        d = o.details or {}
        out.append({"org_id": o.id, "name": o.name, "usernames": "、".join(a.username for a in mine),
                    "credit_code": o.credit_code or "", "region_name": region_full_name(o.region_code),
                    "holding_type": d.get("holding_type") or "", "size": o.size or "",
                    "contact_name": o.contact_name or "", "contact_phone": o.contact_phone or "",
                    "industry": _industry_name(o.industry_code), "reg_type": d.get("reg_type") or "",
                    "legal_rep": o.legal_rep or "", "address": o.address or "",
                    "employees": o.employees, "revenue": float(o.revenue) if o.revenue is not None else None,
                    "assets": float(o.assets) if o.assets is not None else None,
                    "account_label": enterprises.ACCOUNT_LABEL[state]})
    return out


def _org_filter(p: dict[str, Any]) -> enterprises.EnterpriseFilter:
    return enterprises.EnterpriseFilter(region_code=p.get("region"), keyword=p.get("keyword") or "",
                                        status=p.get("status") or "", mine=False)


def org_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
    """One page of 企业基本信息查询 (jurisdiction and filters: ``enterprises._where``)."""
    with session_scope(read=True) as session:
        where = enterprises._where(session, actor, _org_filter(p))
        total = session.scalar(select(func.count()).select_from(Organisation).where(*where)) or 0
        orgs = list(session.scalars(select(Organisation).where(*where).order_by(*order.clauses, Organisation.id.desc())
                                    .offset(index * size).limit(size)))
        return Page(int(total), _org_rows(session, orgs))


def org_stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[dict[str, Any]]:
    """Every row of 企业基本信息查询, read in chunks in one read-only transaction."""
    with session_scope(read=True) as session:
        where = enterprises._where(session, actor, _org_filter(p))
        ids = session.scalars(select(Organisation.id).where(*where).order_by(*order.clauses, Organisation.id.desc())
                              .execution_options(yield_per=CHUNK))
        for part in ids.partitions(CHUNK):
            by_id = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(part)))}
            yield from _org_rows(session, [by_id[i] for i in part if i in by_id])
            session.expunge_all()


register(Source(
    "monitor_q_orgs", P_MONITOR_REVIEW,
    {"name": F("企业名称", sort=Organisation.name), "usernames": F("企业用户ID"),
     "credit_code": F("统一社会信用代码", "code", Organisation.credit_code), "region_name": F("所属地区"),
     "holding_type": F("控股情况"), "size": F("企业规模"), "contact_name": F("联系人"), "contact_phone": F("联系电话"),
     "industry": F("所属行业"), "reg_type": F("注册类型"), "legal_rep": F("法定代表人"), "address": F("通讯地址"),
     "employees": F("从业人数", "number", Organisation.employees), "revenue": F("营业收入（万元）", "number"),
     "assets": F("资产总额（万元）", "number"), "account_label": F("用户状态")},
    {"region": Param("region", "地区"), "keyword": Param("text", "关键词"),
     "status": Param("select", "用户状态", lambda: {"active": "正常", "disabled": "失效"})},
    org_page, org_stream))


# --- 未报送企业查询 ---------------------------------------------------------------------------
UNREPORTED = {"editing": "编辑", "frozen": "冻结", "unfrozen": "解除冻结", "returned": "退回", "none": "未填报"}


def _unreported_query(actor: Actor, p: dict[str, Any]) -> Any:
    require(actor, P_MONITOR_REVIEW)
    period = p.get("period") or reports.current_period()
    status = func.coalesce(MonitorReport.status, literal("none"))
    wanted = [p["status"]] if p.get("status") else list(UNREPORTED)
    where = [Organisation.kind == "enterprise", Organisation.status == "approved", org_clause(actor), status.in_(wanted)]
    code = p.get("region")
    if code:
        if not in_jurisdiction(actor, region_path(code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(code, Organisation.province_code, Organisation.city_code, Organisation.county_code))
    joined = Organisation.__table__.outerjoin(
        MonitorReport.__table__, and_(MonitorReport.org_id == Organisation.id, MonitorReport.period == period))
    return period, joined, where, status


def _unreported_rows(session: Session, period: str, found: list[Any]) -> list[dict[str, Any]]:
    accounts = _usernames(session, [r.id for r in found])
    return [{"org_id": r.id, "period": period, "name": r.name, "usernames": "、".join(a.username for a in accounts.get(r.id, [])),
             "credit_code": r.credit_code or "", "region_name": region_full_name(r.region_code),
             "status_label": UNREPORTED[r.state], "contact_name": r.contact_name or "",
             "contact_phone": r.contact_phone or ""} for r in found]


def _unreported_select(actor: Actor, p: dict[str, Any]) -> tuple[str, Any, Any]:
    period, joined, where, status = _unreported_query(actor, p)
    cols = select(Organisation.id, Organisation.name, Organisation.credit_code, Organisation.region_code,
                  Organisation.contact_name, Organisation.contact_phone, status.label("state")).select_from(joined).where(*where)
    count = select(func.count()).select_from(joined).where(*where)
    return period, cols, count


def unreported_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
    """One page of 未报送企业查询 for month ``p["period"]`` (default: the current report month)."""
    with session_scope(read=True) as session:
        period, cols, count = _unreported_select(actor, p)
        total = session.scalar(count) or 0
        found = list(session.execute(cols.order_by(*order.clauses, Organisation.id).offset(index * size).limit(size)))
        return Page(int(total), _unreported_rows(session, period, found))


def unreported_stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[dict[str, Any]]:
    """Every row of 未报送企业查询, read in chunks in one read-only transaction."""
    with session_scope(read=True) as session:
        period, cols, _ = _unreported_select(actor, p)
        result = session.execute(cols.order_by(*order.clauses, Organisation.id).execution_options(yield_per=CHUNK))
        for part in result.partitions(CHUNK):
            yield from _unreported_rows(session, period, list(part))


register(Source(
    "monitor_q_unreported", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "name": F("企业名称", sort=Organisation.name), "usernames": F("企业用户ID"),
     "credit_code": F("统一社会信用代码", "code", Organisation.credit_code), "region_name": F("所属地区"),
     "status_label": F("报送状态"), "contact_name": F("联系人"), "contact_phone": F("联系电话")},
    {"period": Param("select", "报表月份", lambda: {x: x for x in reports.period_options()}),
     "status": Param("select", "报送状态", lambda: UNREPORTED), "region": Param("region", "地区")},
    unreported_page, unreported_stream))


# --- 企业信息变更查询 -------------------------------------------------------------------------
CHANGE_STATUS = {"pending": "待审核", "accepted": "审核通过", "returned": "审核退回"}
DECISIONS = {"unfreeze": "accepted", "auto_unfreeze": "accepted", "reject_change": "returned"}


def _changes_select(actor: Actor, p: dict[str, Any]) -> tuple[Any, Any]:
    require(actor, P_MONITOR_REVIEW)
    period = p.get("period") or reports.current_period()
    change, later = WorkflowTransition, aliased(WorkflowTransition)
    decision_id = (select(later.id).where(later.instance_id == change.instance_id, later.id > change.id,
                                          later.action.in_(list(DECISIONS)))
                   .order_by(later.id).limit(1).correlate(change).scalar_subquery())
    where = [WorkflowInstance.subject_type == workflow.SUBJECT, change.action == "freeze", MonitorReport.period == period,
             org_clause(actor)]
    code = p.get("region")
    if code:
        if not in_jurisdiction(actor, region_path(code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(code, Organisation.province_code, Organisation.city_code, Organisation.county_code))
    keyword = (p.get("keyword") or "").strip()
    if keyword:
        like = f"%{keyword}%"
        where.append(Organisation.name.like(like) | Organisation.id.in_(
            select(Account.org_id).where(Account.org_id.is_not(None), Account.username.like(like))))
    status = p.get("status")
    if status == "pending":
        where.append(decision_id.is_(None))
    elif status in ("accepted", "returned"):
        wanted = [a for a, s in DECISIONS.items() if s == status]
        where.append(select(later.action).where(later.id == decision_id).scalar_subquery().in_(wanted))
    base = (select(change.id, change.at, change.reason, change.actor_id, MonitorReport.period, Organisation.id.label("org_id"),
                   Organisation.name, Organisation.region_code, decision_id.label("decision_id"))
            .select_from(change).join(WorkflowInstance, WorkflowInstance.id == change.instance_id)
            .join(MonitorReport, MonitorReport.id == WorkflowInstance.subject_id)
            .join(Organisation, Organisation.id == MonitorReport.org_id).where(*where))
    count = select(func.count()).select_from(base.subquery())
    return base.order_by(change.at.desc(), change.id.desc()), count


def _change_rows(session: Session, found: list[Any]) -> list[dict[str, Any]]:
    decided = {t.id: t for t in session.scalars(select(WorkflowTransition).where(
        WorkflowTransition.id.in_([r.decision_id for r in found if r.decision_id])))}
    people = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(
        {r.actor_id for r in found} | {t.actor_id for t in decided.values()})))}
    accounts = _usernames(session, [r.org_id for r in found])

    def who(account_id: int | None) -> str:
        a = people.get(account_id or 0)
        return (a.display_name or a.username) if a else "系统"
    out = []
    for r in found:
        d = decided.get(r.decision_id or 0)
        out.append({"id": r.id, "period": r.period, "name": r.name,
                    "usernames": "、".join(a.username for a in accounts.get(r.org_id, [])),
                    "region_name": region_full_name(r.region_code), "change": r.reason or "",
                    "changed_by": who(r.actor_id), "changed_at": china_time(r.at),
                    "status_label": CHANGE_STATUS[DECISIONS[d.action]] if d else CHANGE_STATUS["pending"],
                    "decided_by": who(d.actor_id) if d else "", "decided_at": china_time(d.at) if d else "",
                    "decision_reason": (d.reason or "") if d else ""})
    return out


def changes_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
    """One page of 企业信息变更查询 for month ``p["period"]`` (default: the current report month), newest first."""
    with session_scope(read=True) as session:
        rows, count = _changes_select(actor, p)
        total = session.scalar(count) or 0
        return Page(int(total), _change_rows(session, list(session.execute(rows.offset(index * size).limit(size)))))


def changes_stream(actor: Actor, p: dict[str, Any], order: Any) -> Iterator[dict[str, Any]]:
    """Every row of 企业信息变更查询, read in chunks in one read-only transaction."""
    with session_scope(read=True) as session:
        rows, _ = _changes_select(actor, p)
        for part in session.execute(rows.execution_options(yield_per=CHUNK)).partitions(CHUNK):
            yield from _change_rows(session, list(part))


register(Source(
    "monitor_q_changes", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "name": F("企业名称"), "usernames": F("企业用户ID"), "region_name": F("所属地区"),
     "change": F("变更内容"), "changed_by": F("变更人"), "changed_at": F("变更时间", "datetime"),
     "status_label": F("审核状态"), "decided_by": F("审核人"), "decided_at": F("审核时间", "datetime"),
     "decision_reason": F("审核说明")},
    {"period": Param("select", "报表月份", lambda: {x: x for x in reports.period_options()}),
     "status": Param("select", "状态", lambda: CHANGE_STATUS), "keyword": Param("text", "企业名称或企业ID"),
     "region": Param("region", "地区")},
    changes_page, changes_stream))


# --- 年度报送企业数统计 -----------------------------------------------------------------------
REPORTED = ("reviewing", "accepted")   # submitted and not sent back: counted as reporting
YEARS = 5


def year_options() -> dict[int, str]:
    """The selectable years: this year and the ones before it (China time)."""
    this = clock.today().year
    return {y: f"{y} 年" for y in range(this, this - YEARS, -1)}


def _year_rows(actor: Actor, p: dict[str, Any]) -> list[dict[str, Any]]:
    require(actor, P_MONITOR_REVIEW)
    year = int(p.get("year") or clock.today().year)
    code = p.get("region") or actor.region_code
    if code and not in_jurisdiction(actor, region_path(code)):
        raise PermissionDenied("所选地区超出您的管辖范围。")
    node = region(code) if code else None
    if node is not None and node.level == "county":
        rows, column = [node], MonitorReport.county_code
    else:
        rows = region_children(code)
        column = {None: MonitorReport.province_code, "province": MonitorReport.city_code}.get(
            node.level if node else None, MonitorReport.county_code)
    month = func.substr(MonitorReport.period, 6, 2)
    query = (select(column.label("code"), month.label("month"),
                    func.sum(case((MonitorReport.status.in_(REPORTED), 1), else_=0)).label("reported"),
                    func.sum(case((MonitorReport.status == "accepted", 1), else_=0)).label("accepted"))
             .where(MonitorReport.period >= f"{year}-01", MonitorReport.period <= f"{year}-12",
                    jurisdiction(actor, MonitorReport.province_code, MonitorReport.city_code, MonitorReport.county_code),
                    within(code, MonitorReport.province_code, MonitorReport.city_code, MonitorReport.county_code))
             .group_by(column, month))
    with session_scope(read=True) as session:
        counts = {(r.code, int(r.month)): (int(r.reported or 0), int(r.accepted or 0)) for r in session.execute(query)}
    out = []
    for n in rows:
        row: dict[str, Any] = {"year": year, "region_code": n.code, "region_name": n.name}
        for m in range(1, 13):
            reported, accepted = counts.get((n.code, m), (0, 0))
            row[f"m{m:02d}_reported"], row[f"m{m:02d}_accepted"] = reported, accepted
        out.append(row)
    return out


def year_page(actor: Actor, p: dict[str, Any], order: Any, index: int, size: int) -> Page:
    """One page of 年度报送企业数统计 (one row per subordinate region)."""
    rows = _year_rows(actor, p)
    return Page(len(rows), rows[index * size:(index + 1) * size])


def _year_fields() -> dict[str, F]:
    out = {"year": F("年度", "number"), "region_code": F("地区代码", "code"), "region_name": F("地区")}
    for m in range(1, 13):
        out[f"m{m:02d}_reported"] = F(f"{m}月报送企业数", "number")
        out[f"m{m:02d}_accepted"] = F(f"{m}月审核通过企业数", "number")
    return out


register(Source(
    "monitor_q_year_counts", P_MONITOR_REVIEW, _year_fields(),
    {"year": Param("select", "年度", year_options), "region": Param("region", "地区")},
    year_page, lambda actor, p, order: iter(_year_rows(actor, p))))
