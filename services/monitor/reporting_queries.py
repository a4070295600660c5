"""运行监测 queries about who reported when (issue 18) as admin-list sources.

"Reported" is a report 上报 and not sent back: status 审核中 or 审核通过 (``queries.REPORTED``); it
counts as on time when its (latest) submission came before the end of the deadline day, China time.
Every source restricts enterprises and reports to the actor's jurisdiction in its SQL.

- ``monitor_q_ranking`` 报送龙虎榜: for a month and a deadline (default: the 10th of the next month,
  ``reports.due_date``), per subordinate region or per direct reviewer (the administrators of the
  jurisdiction to whom enterprises report): enterprises, reported on time, late, not reported, the
  on-time rate; ranked by the on-time rate.
- ``monitor_q_year_detail`` 年度报送明细查询: per enterprise for a year, each month's state, the
  number of approved months and the longest run of consecutive approved months (filter: a range).
- ``monitor_q_analysis`` 月度报送情况分析: by economic type (登记注册类型), size, subordinate region or
  industry (门类): enterprises reported by the deadline, the change on last month (by its own
  deadline) and the shares of small / micro, industrial, below-scale industrial (工业 with a
  registered annual revenue under 2000 万元), small / micro among industrial, construction,
  agriculture and tertiary enterprises; a 合计 row first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, case, func, or_, select

import clock
from db.account import Account
from db.engine import session_scope
from db.monitor import MonitorAssignment, MonitorReport
from db.organisation import Organisation
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import P_MONITOR_REVIEW, Actor, in_jurisdiction, require
from services.core.scope import org_clause, within
from services.forms.responses import previous_period
from services.lists.source import Field as F
from services.lists.source import Param, Source, computed, register
from services.monitor import reports, workflow
from services.monitor.queries import REPORTED, _usernames, year_options
from services.monitor.report_queries import (SMALL_MICRO, is_agriculture, is_construction, is_industrial,
                                              period_choices, report_scope, section_label, sub_regions,
                                              three_sector, without_large_and_listed)
from services.reference import region_full_name, region_path

MR = MonitorReport
BELOW_SCALE = 2000   # 万元: 规模以上工业 = 年主营业务收入 2000 万元及以上 (NBS)


def cutoff(day: dt.date) -> dt.datetime:
    """The first instant after deadline ``day`` (China time), in UTC as stored."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.CHINA).astimezone(clock.UTC)


def _enterprises(actor: Actor, code: str | None) -> list[Any]:
    """The monitored enterprises (approved) of the jurisdiction, inside region ``code``."""
    require(actor, P_MONITOR_REVIEW)
    where = [Organisation.kind == "enterprise", Organisation.status == "approved", org_clause(actor)]
    if code:
        if not in_jurisdiction(actor, region_path(code)):
            raise PermissionDenied("所选地区超出您的管辖范围。")
        where.append(within(code, Organisation.province_code, Organisation.city_code, Organisation.county_code))
    return where


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None


# --- 报送龙虎榜 ---------------------------------------------------------------------------------
RANK_MODES = {"region": "按下级地区", "admin": "按审核管理员"}


def _ranking_rows(actor: Actor, p: dict[str, Any]) -> list[dict[str, Any]]:
    """报送龙虎榜: a row per subordinate region or per direct reviewer, best on-time rate first."""
    period = p.get("period") or reports.current_period()
    deadline = p.get("deadline") or reports.due_date(period)
    end = cutoff(deadline)
    mode = p.get("mode") or "region"
    where = _enterprises(actor, p.get("region"))
    reported = MR.status.in_(REPORTED)
    key: Any
    if mode == "admin":
        key = func.coalesce(MonitorAssignment.reviewer_id, MR.reviewer_id)
    else:
        nodes, column = sub_regions(actor, p.get("region"))
        key = {"province_code": Organisation.province_code, "city_code": Organisation.city_code}.get(
            column.key, Organisation.county_code)
    query = (select(key.label("k"), func.count(Organisation.id).label("n"),
                    func.sum(case((and_(reported, MR.submitted_at < end), 1), else_=0)).label("on_time"),
                    func.sum(case((and_(reported, MR.submitted_at >= end), 1), else_=0)).label("late"))
             .select_from(Organisation)
             .outerjoin(MR, and_(MR.org_id == Organisation.id, MR.period == period))
             .outerjoin(MonitorAssignment, MonitorAssignment.org_id == Organisation.id)
             .where(*where).group_by(key))
    with session_scope(read=True) as session:
        counts = {r.k: (int(r.n), int(r.on_time or 0), int(r.late or 0)) for r in session.execute(query)}
        if mode == "admin":
            people = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_([k for k in counts if k])))}
            keys: list[Any] = list(counts)

            def name(k: Any) -> tuple[str, str]:
                a = people.get(k)
                return ((a.display_name or a.username) if a else "（首次上报时确定）", region_full_name(a.region_code) if a and a.region_code else ("全国" if a else ""))
        else:
            keys = [n.code for n in nodes]
            names = {n.code: n.name for n in nodes}

            def name(k: Any) -> tuple[str, str]:
                return names.get(k, ""), region_full_name(k)
    rows: list[dict[str, Any]] = []
    for k in keys:
        n, on_time, late = counts.get(k, (0, 0, 0))
        who, where_name = name(k)
        rows.append({"period": period, "deadline": deadline.isoformat(), "name": who, "region_name": where_name,
                     "enterprises": n, "on_time": on_time, "late": late, "unreported": n - on_time - late,
                     "on_time_rate": _rate(on_time, n), "reported_rate": _rate(on_time + late, n)})
    rows.sort(key=lambda r: (-(r["on_time_rate"] or 0), -r["on_time"], r["name"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


register(Source(
    "monitor_q_ranking", P_MONITOR_REVIEW,
    {"rank": F("名次", "number"), "period": F("报表月份"), "deadline": F("截止日期"), "name": F("地区 / 管理员"),
     "region_name": F("所属地区"), "enterprises": F("监测企业数", "number"), "on_time": F("按时报送", "number"),
     "late": F("逾期报送", "number"), "unreported": F("未报送", "number"), "on_time_rate": F("按时报送率(%)", "number"),
     "reported_rate": F("报送率(%)", "number")},
    {"period": Param("select", "报表月份", period_choices), "deadline": Param("date", "截止日期"),
     "mode": Param("select", "查询方式", lambda: RANK_MODES), "region": Param("region", "地区")},
    *computed(_ranking_rows)))


# --- 年度报送明细查询 ---------------------------------------------------------------------------
RUNS = {n: f"{n} 个月" for n in range(13)}


def longest_run(months: set[int]) -> int:
    """The longest run of consecutive month numbers in ``months``."""
    best = run = 0
    for m in range(1, 13):
        run = run + 1 if m in months else 0
        best = max(best, run)
    return best


def _year_detail_rows(actor: Actor, p: dict[str, Any]) -> list[dict[str, Any]]:
    """年度报送明细查询: a row per enterprise of the jurisdiction, by name."""
    year = int(p.get("year") or clock.today().year)
    lo, hi = p.get("run_from"), p.get("run_to")
    if lo is not None and hi is not None and int(lo) > int(hi):
        raise ValidationFailed({"连续审核通过月数": [f"连续审核通过月数：起（{lo}）不能大于止（{hi}），请重新选择。"]})
    where = _enterprises(actor, p.get("region"))
    current = reports.current_period()
    with session_scope(read=True) as session:
        orgs = list(session.execute(select(Organisation.id, Organisation.name, Organisation.region_code)
                                    .where(*where).order_by(Organisation.name, Organisation.id)))
        states: dict[int, dict[int, str]] = {}
        found = session.execute(
            select(MR.org_id, MR.period, MR.status).join(Organisation, Organisation.id == MR.org_id)
            .where(*where, MR.period >= f"{year}-01", MR.period <= f"{year}-12"))
        for org_id, period, status in found:
            states.setdefault(org_id, {})[int(period[5:7])] = status
        out = []
        for o in orgs:
            mine = states.get(o.id, {})
            accepted = {m for m, s in mine.items() if s == "accepted"}
            run = longest_run(accepted)
            if (lo is not None and run < int(lo)) or (hi is not None and run > int(hi)):
                continue
            row: dict[str, Any] = {"org_id": o.id, "year": year, "name": o.name, "region_name": region_full_name(o.region_code),
                                   "accepted_months": len(accepted), "longest_run": run}
            for m in range(1, 13):
                later = f"{year}-{m:02d}" > current
                row[f"m{m:02d}"] = "" if later and m not in mine else workflow.STATUS_LABEL.get(mine.get(m, ""), "未填报")
            out.append(row)
        accounts = _usernames(session, [r["org_id"] for r in out])
    for r in out:
        r["usernames"] = "、".join(a.username for a in accounts.get(r["org_id"], []))
    return out


def _year_detail_fields() -> dict[str, F]:
    out = {"year": F("年度", "number"), "name": F("企业名称"), "usernames": F("企业用户ID"), "region_name": F("所属地区")}
    out.update({f"m{m:02d}": F(f"{m}月") for m in range(1, 13)})
    out.update({"accepted_months": F("审核通过月数", "number"), "longest_run": F("最长连续审核通过月数", "number")})
    return out


register(Source(
    "monitor_q_year_detail", P_MONITOR_REVIEW, _year_detail_fields(),
    {"year": Param("select", "年度", year_options), "region": Param("region", "地区"),
     "run_from": Param("select", "连续审核通过月数（起）", lambda: RUNS),
     "run_to": Param("select", "连续审核通过月数（止）", lambda: RUNS)},
    *computed(_year_detail_rows)))


# --- 月度报送情况分析 ---------------------------------------------------------------------------
CATEGORIES = {"econ": "经济类型", "size": "企业规模", "region": "地区", "industry": "行业"}
SHARES = ("small_micro", "industrial", "below_scale", "industrial_small_micro", "construction", "agriculture", "tertiary")


def _category(actor: Actor, p: dict[str, Any]) -> tuple[Any, Callable[[Any], tuple[Any, str]]]:
    kind = p.get("category") or "econ"
    if kind == "size":
        order = ("大型", "中型", "小型", "微型")
        return Organisation.size, lambda v: ((order.index(v) if v in order else 9, ""), v or "（未划型）")
    if kind == "industry":
        return Organisation.division_code, lambda v: ((1, section_label(v)), section_label(v))
    if kind == "region":
        nodes, column = sub_regions(actor, p.get("region"))
        key = {"province_code": Organisation.province_code, "city_code": Organisation.city_code}.get(
            column.key, Organisation.county_code)
        names = {n.code: n.name for n in nodes}
        rank = {n.code: i for i, n in enumerate(nodes)}
        return key, lambda v: ((rank.get(v, len(rank)), ""), names.get(v) or region_full_name(v) or "（未知地区）")
    return (Organisation.details["reg_type"].as_string(),
            lambda v: ((0 if v else 1, v or ""), v or "（未填登记注册类型）"))


def _analysis_rows(actor: Actor, p: dict[str, Any]) -> list[dict[str, Any]]:
    """月度报送情况分析: 合计 first, then a row per group of the chosen category."""
    period = p.get("period") or reports.current_period()
    last = previous_period(period)
    deadline = p.get("deadline") or reports.due_date(period)
    last_deadline = p.get("last_deadline") or reports.due_date(last)
    where = [*report_scope(actor, p.get("region")), MR.status.in_(REPORTED),
             or_(and_(MR.period == period, MR.submitted_at < cutoff(deadline)),
                 and_(MR.period == last, MR.submitted_at < cutoff(last_deadline)))]
    if p.get("exclude_large"):
        where.append(without_large_and_listed())
    key, fold = _category(actor, p)
    below = case((func.coalesce(Organisation.revenue, 0) < BELOW_SCALE, 1), else_=0)
    sub = (select(key.label("k"), MR.period.label("period"), Organisation.size.label("size"),
                  Organisation.division_code.label("division"), below.label("below"))
           .select_from(MR).join(Organisation, Organisation.id == MR.org_id).where(*where).subquery())
    query = (select(sub.c.k, sub.c.period, sub.c.size, sub.c.division, sub.c.below, func.count().label("n"))
             .group_by(sub.c.k, sub.c.period, sub.c.size, sub.c.division, sub.c.below))
    total: dict[str, Any] = {"group": "合计"}
    groups: dict[str, dict[str, Any]] = {}
    sort: dict[str, Any] = {}
    with session_scope(read=True) as session:
        found = list(session.execute(query))
    for r in found:
        s, label = fold(r.k)
        sort[label] = s
        for acc in (total, groups.setdefault(label, {"group": label})):
            n = int(r.n)
            if r.period == last:
                acc["last"] = acc.get("last", 0) + n
                continue
            industrial = is_industrial(r.division)
            for name, hit in (("reported", True), ("small_micro", r.size in SMALL_MICRO), ("industrial", industrial),
                              ("below_scale", industrial and bool(r.below)),
                              ("industrial_small_micro", industrial and r.size in SMALL_MICRO),
                              ("construction", is_construction(r.division)), ("agriculture", is_agriculture(r.division)),
                              ("tertiary", three_sector(r.division) == "第三产业")):
                if hit:
                    acc[name] = acc.get(name, 0) + n
    out = []
    for acc in [total] + [groups[label] for label in sorted(groups, key=lambda label: (sort[label], label))]:
        n, before = acc.get("reported", 0), acc.get("last", 0)
        row = {"period": period, "category": CATEGORIES[p.get("category") or "econ"], "group": acc["group"],
               "reported": n, "last_reported": before, "change": n - before}
        for name in SHARES:
            whole = acc.get("industrial", 0) if name == "industrial_small_micro" else n
            row[f"{name}_share"] = _rate(acc.get(name, 0), whole)
        out.append(row)
    return out


register(Source(
    "monitor_q_analysis", P_MONITOR_REVIEW,
    {"period": F("报表月份"), "category": F("分析类别"), "group": F("分组"), "reported": F("上报企业数", "number"),
     "last_reported": F("上月上报企业数", "number"), "change": F("比上月增加", "number"),
     "small_micro_share": F("小微企业占比(%)", "number"), "industrial_share": F("工业企业占比(%)", "number"),
     "below_scale_share": F("规模以下工业企业占比(%)", "number"),
     "industrial_small_micro_share": F("工业企业中小微企业占比(%)", "number"),
     "construction_share": F("建筑业占比(%)", "number"), "agriculture_share": F("农林牧渔业占比(%)", "number"),
     "tertiary_share": F("第三产业占比(%)", "number")},
    {"category": Param("select", "分析类别", lambda: CATEGORIES), "period": Param("select", "报表月份", period_choices),
     "deadline": Param("date", "报送截止日期"), "last_deadline": Param("date", "上月报送截止日期"),
     "exclude_large": Param("flag", "剔除大型和上市企业"), "region": Param("region", "地区")},
    *computed(_analysis_rows)))
