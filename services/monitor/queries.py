"""运行监测 queries (issue 18, 查询 sections of the monitoring manual) as admin-list sources.

Each source applies the actor's jurisdiction in its SQL (``org_clause`` / ``within``); a declaration
(specs/lists/monitor_q_*.yaml) only chooses among the fields and filters named here.

- ``monitor_q_orgs`` 企业基本信息查询: the enterprises of the jurisdiction with their registration data
  (region, user status, name / credit code / username as in 监测企业管理, all enterprises — not only mine).
- ``monitor_q_unreported`` 未报送企业查询: for one report month, the enterprises whose report is not
  submitted: status 编辑 / 冻结 / 解除冻结 / 退回, or 未填报 (no monitor_report row for the month).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session

from db.account import Account
from db.engine import session_scope
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.core.errors import PermissionDenied
from services.core.scope import org_clause, within
from services.lists.source import Field as F
from services.lists.source import Page, Param, Source, register
from services.monitor import enterprises, reports
from services.reference import industry, region_full_name, region_path

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
