"""Two reviewers at once: a city administrator bulk-accepts (一键接收) while another session of the
same holder returns some of the same reports. Shared by tests/monitor/test_concurrency.py and
bench/bench_monitor.py.

``hold_reports`` inserts reports already passed up by county administrators and now waiting for a
city administrator (history: 上报, 接收); ``race`` runs the two reviewers in threads; ``verify``
checks that no report was lost or moved twice.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text

from db.audit import AuditLog
from db.base import utcnow
from db.engine import get_engine, session_scope
from db.forms import FormResponse
from db.monitor import MonitorAssignment, MonitorReport
from db.organisation import Organisation
from db.workflow import WorkflowInstance, WorkflowTransition
from services.core.errors import Conflict
from services.forms.definitions import VersionView, published_version
from services.monitor import review, workflow
from services.core.permissions import Actor
from services.reference import region_path
from services.core.rules import CREDIT_CHARSET, credit_code_for

REASON = "并发核对：请核实本月数据后重新上报。"


def credit_code(adcode: str, seq: int) -> str:
    """Return a valid, unique unified social credit code for the ``seq``-th generated organisation."""
    digits = ""
    for _ in range(8):
        seq, r = divmod(seq, len(CREDIT_CHARSET))
        digits = CREDIT_CHARSET[r] + digits
    return credit_code_for(adcode, digits)


def bump_sequences(tables: Sequence[str]) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as c:
        for t in tables:
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"))


def org_row(org_id: int, county: str, name: str = "并发", division: str = "34") -> dict[str, Any]:
    p = region_path(county)
    return {"id": org_id, "kind": "enterprise", "name": f"{name}{org_id:07d}有限公司", "credit_code": credit_code(county, org_id),
            "region_code": county, "province_code": p.province_code, "city_code": p.city_code,
            "county_code": p.county_code, "industry_code": division, "division_code": division, "status": "approved",
            "details": {}, "version": 1}


def response_row(rid: int, version: VersionView, org_id: int, period: str, status: str, at: dt.datetime) -> dict[str, Any]:
    return {"id": rid, "version_id": version.id, "definition_id": version.definition_id, "org_id": org_id,
            "period": period, "status": status, "current_section": "products", "warnings": [], "created_at": at,
            "updated_at": at, "submitted_at": None if status == "draft" else at}


def report_row(report_id: int, org: dict[str, Any], period: str, rid: int, status: str, holder: int | None,
               level: str | None, reviewer: int | None, approved: bool, at: dt.datetime,
               screening: bool | None = True) -> dict[str, Any]:
    return {"id": report_id, "org_id": org["id"], "period": period, "response_id": rid, "status": status,
            "holder_id": holder, "holder_level": level, "reviewer_id": reviewer, "acted": approved,
            "approved": approved, "screening_passed": screening, "warning_count": 0 if screening in (True, None) else 2,
            "frozen_changes": {}, "source": "online", "province_code": org["province_code"],
            "city_code": org["city_code"], "county_code": org["county_code"], "division_code": org["division_code"],
            "submitted_at": at if reviewer else None, "created_at": at, "updated_at": at, "row_version": 3,
            "return_reason": "请核实。" if status == "returned" else None}


def held_history(report_id: int, county_admin: int, city_admin: int, at: dt.datetime) -> list[dict[str, Any]]:
    """上报 to the county administrator, who 接收 it up to the city administrator."""
    return [{"report_id": report_id, "actor_id": None, "action": "report", "from_state": "editing",
             "to_state": "reviewing", "from_holder": None, "to_holder": county_admin, "at": at},
            {"report_id": report_id, "actor_id": county_admin, "action": "accept", "from_state": "reviewing",
             "to_state": "reviewing", "from_holder": county_admin, "to_holder": city_admin, "at": at}]


def hold_reports(city_admin: int, counties: Sequence[tuple[int, str]], enterprises: int, periods: Sequence[str],
                 name: str = "并发") -> list[int]:
    """Insert ``enterprises`` organisations spread over ``counties`` ((county admin, county code), …), each
    with one report per period waiting for ``city_admin`` (reviewer: the county admin); return report ids."""
    v = published_version("sme_monthly_report")
    with session_scope() as s:
        org0 = (s.scalar(select(func.max(Organisation.id))) or 0) + 1
        resp0 = (s.scalar(select(func.max(FormResponse.id))) or 0) + 1
        rep0 = (s.scalar(select(func.max(MonitorReport.id))) or 0) + 1
    now = utcnow()
    orgs: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    resps: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for i in range(enterprises):
        admin, county = counties[i % len(counties)]
        orgs.append(org_row(org0 + i, county, name))
        assignments.append({"org_id": org0 + i, "reviewer_id": admin})
        for period in periods:
            resps.append(response_row(resp0 + len(resps), v, org0 + i, period, "approved", now))
            reports.append(report_row(rep0 + len(reports), orgs[-1], period, resps[-1]["id"], "reviewing", city_admin,
                                      "city", admin, True, now))
            history += held_history(reports[-1]["id"], admin, city_admin, now)
    with session_scope() as s:
        c = s.connection()
        for table, rows in ((Organisation, orgs), (MonitorAssignment, assignments), (FormResponse, resps),
                            (MonitorReport, reports)):
            c.execute(insert(table), rows)
        workflow.seed(c, reports, history)
    bump_sequences(["organisation", "form_response", "monitor_report"])
    return [r["id"] for r in reports]


@dataclass
class Race:
    before: dict[int, int] = field(default_factory=dict)   # report → history rows before the race
    moved: int = 0
    returned: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)
    seconds: float = 0.0
    audit_from: int = 0
    errors: list[BaseException] = field(default_factory=list)


def race(bulk_actor: Actor, returner: Actor, held: Sequence[int], to_return: Sequence[int],
         pause: float = 0.0) -> Race:
    """Run 一键接收 and a series of 退回 on some of the ``held`` reports at the same moment, in two threads
    (``pause``: seconds between two returns, as a person clicking would leave)."""
    out = Race()
    with session_scope() as s:
        for i in range(0, len(held), 5000):
            steps = workflow.steps().where(WorkflowInstance.subject_id.in_(held[i:i + 5000])).subquery()
            out.before.update(dict(s.execute(select(steps.c.report_id, func.count()).group_by(steps.c.report_id)).all()))
        marker = s.scalar(select(func.max(AuditLog.id))) or 0
    out.audit_from = marker
    start = threading.Barrier(2)

    def bulk() -> None:
        start.wait()
        out.moved = review.bulk_accept(bulk_actor)

    def returns() -> None:
        start.wait()
        for rid in to_return:
            try:
                review.return_report(returner, rid, REASON)
                out.returned.add(rid)
            except Conflict:
                out.refused.add(rid)  # already passed on by the bulk accept
            time.sleep(pause)

    def guarded(fn):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                fn()
            except BaseException as err:  # noqa: BLE001 - reported to the caller
                out.errors.append(err)
        return run

    threads = [threading.Thread(target=guarded(bulk)), threading.Thread(target=guarded(returns))]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.perf_counter() - began
    if out.errors:
        raise out.errors[0]
    return out


def verify(report_ids: Sequence[int], result: Race, holder: int, next_holder: int) -> dict[str, int]:
    """Check every report was either returned or moved up exactly once, with exactly the history and
    audit rows that says; raise AssertionError naming the first broken report. Return the counts."""
    ids = list(report_ids)
    problems: list[str] = []
    steps: dict[int, list[Any]] = defaultdict(list)
    audits: dict[str, list[str]] = defaultdict(list)
    with session_scope() as s:
        reports, statuses = {}, {}
        for i in range(0, len(ids), 5000):
            chunk = ids[i:i + 5000]
            for row in s.scalars(select(MonitorReport).where(MonitorReport.id.in_(chunk))):
                reports[row.id] = row
            for t in s.execute(workflow.steps().where(WorkflowInstance.subject_id.in_(chunk))
                               .order_by(WorkflowTransition.id)):
                steps[t.report_id].append(t)
            for target, action in s.execute(select(AuditLog.target_id, AuditLog.action).where(
                    AuditLog.id > result.audit_from, AuditLog.target_type == "monitor_report",
                    AuditLog.target_id.in_([str(x) for x in chunk]))):
                audits[target or ""].append(action)
            statuses.update(dict(s.execute(select(FormResponse.id, FormResponse.status).where(
                FormResponse.id.in_([reports[x].response_id for x in chunk if x in reports]))).all()))
    for rid in ids:
        r = reports.get(rid)
        new = steps[rid][result.before.get(rid, 0):]  # the rows the race added
        actions = [t.action for t in new]
        if r is None:
            problems.append(f"report {rid} lost")
            continue
        if rid in result.returned:
            ok = (actions == ["return"] and r.status == "returned" and r.holder_id is None
                  and r.return_reason == REASON and statuses[r.response_id] == "returned"
                  and audits[str(rid)] == ["monitor.return"] and new[0].from_holder == holder)
        else:
            ok = (actions == ["bulk_accept"] and r.status == "reviewing" and r.holder_id == next_holder
                  and r.approved and statuses[r.response_id] == "approved"
                  and audits[str(rid)] == ["monitor.bulk_accept"] and new[0].from_holder == holder)
        if not ok:
            problems.append(f"report {rid}: {r.status}, holder {r.holder_id}, history {actions}, audit {audits[str(rid)]}")
    if result.moved + len(result.returned) != len(ids):
        problems.append(f"moved {result.moved} + returned {len(result.returned)} ≠ {len(ids)} reports")
    assert not problems, f"{len(problems)} broken: " + "; ".join(problems[:5])
    return {"reports": len(ids), "moved": result.moved, "returned": len(result.returned), "refused": len(result.refused)}
