"""The monthly report's review chain on the workflow engine (specs/workflows/monitor_report.yaml):
``move`` / ``move_many`` apply the definition's actions through services.workflow.engine inside the
caller's transaction (state and actor checked, instance + mirror columns, history row, audit row).

    editing ──上报──▶ reviewing (holder: direct reviewer) ──接收──▶ reviewing (holder: upper admin)
       ▲   ◀──撤销── (only while no administrator has acted)          … national ──接收──▶ accepted
       │                 │                                            │
       └──── returned ◀──退回 (the holder, with a reason) ────────────┘
    editing ──key field changed──▶ frozen ──解除冻结──▶ unfrozen (editable) / ──驳回──▶ editing

The holder acts; a lower level that passed a report on cannot pull it back. ``approved`` (审核通过,
used by next month's balance checks) is set by the first acceptance and cleared by a return.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db.base import utcnow
from db.forms import FormResponse
from db.monitor import MonitorReport
from db.workflow import WorkflowInstance, WorkflowTransition
from services.core import notify
from services.core.permissions import Actor, RegionPath
from services.stats import monitor_stats
from services.workflow import definitions, engine

SUBJECT = "monitor_report"
# The chain is declared in specs/workflows/monitor_report.yaml: its states and actions (labels, audit
# names, reason rules, who may act). ``monitor_report.status`` / ``holder_id`` / ``holder_level`` mirror
# the instance and are written by the workflow engine only (the reviewers' queue index reads them).
DEFINITION = definitions.get(SUBJECT)
STATUS_LABEL = dict(DEFINITION.states)
ACTION_LABEL = {code: a.label for code, a in DEFINITION.actions.items()}
EDITABLE = ("editing", "returned", "unfrozen")

engine.register_subject(engine.Subject(
    SUBJECT, MonitorReport, SUBJECT, name=lambda r: f"{r.period} 月报",
    region=lambda r: RegionPath(r.province_code, r.city_code, r.county_code), owner_org=lambda r: r.org_id,
    mirror={"state": "status", "holder_id": "holder_id", "holder_level": "holder_level"},
    audit_detail=lambda r: {"period": r.period, "org_id": r.org_id}))


def response_status(report: MonitorReport) -> str:
    """Return the definition engine's status for the report's response (one mapping, used everywhere)."""
    if report.status in ("editing", "unfrozen"):
        return "draft"
    if report.status == "reviewing":
        return "approved" if report.approved else "submitted"
    if report.status == "accepted":
        return "approved"
    return report.status  # returned / frozen


def move(session: Session, report: MonitorReport, actor: Actor | None, action: str,
         to_holder: int | None = None, holder_level: str | None = None, reason: str | None = None,
         request_id: str | None = None, **fields: Any) -> None:
    """Apply one action of the definition to a loaded report through the workflow engine (state and
    actor checked, history and audit rows written); the caller has checked its own rules first.
    ``fields``: other report columns the action changes."""
    was = report.status
    for key, value in fields.items():
        setattr(report, key, value)
    engine.transition(session, SUBJECT, report, action, actor, reason=reason, request_id=request_id,
                      holder=(to_holder, holder_level))
    session.flush()
    response = session.get(FormResponse, report.response_id)
    if response is not None:
        response.status = response_status(report)
    monitor_stats.on_moved(session, report, was)  # the dashboards' summary, in this transaction


@dataclass(frozen=True)
class Moved:
    id: int
    org_id: int
    period: str
    response_id: int


def move_many(session: Session, actor: Actor, action: str, where: Iterable[Any], to_holder: int | None,
              holder_level: str | None) -> list[Moved]:
    """Accept many reports set-based through the engine (a few statements per 500): only rows still
    matching ``where`` move (a report another reviewer returned meanwhile no longer matches, so nothing
    is lost); history and audit rows follow."""
    now = utcnow()
    moved = engine.move_many(
        session, SUBJECT, action, actor, list(where), (to_holder, holder_level),
        columns=(MonitorReport.org_id, MonitorReport.period, MonitorReport.response_id),
        subject_values={"acted": True, "approved": True, "updated_at": now, "row_version": MonitorReport.row_version + 1},
        detail=lambda r: {"period": r.period})
    monitor_stats.on_moved_many(session, [m.id for m in moved], DEFINITION.actions[action].to)
    for i in range(0, len(moved), 500):
        session.execute(update(FormResponse).where(FormResponse.id.in_([m.row.response_id for m in moved[i:i + 500]]))
                        .values(status="approved"))
    return [Moved(m.id, m.row.org_id, m.row.period, m.row.response_id) for m in moved]


def report_many(session: Session, actor: Actor, action: str, report_ids: Sequence[int], to_holder: int,
                holder_level: str | None) -> list[int]:
    """Report (上报) many reports to one reviewer set-based through the engine (a bulk action such as
    ``admin_import``): state, holder, history and audit rows; the review columns of a fresh submission
    and the responses' status. Returns the ids moved (a report whose state changed meanwhile is not)."""
    now = utcnow()
    moved = engine.move_many(
        session, SUBJECT, action, actor, [MonitorReport.id.in_(list(report_ids))], (to_holder, holder_level),
        columns=(MonitorReport.period, MonitorReport.response_id),
        subject_values={"acted": False, "approved": False, "return_reason": None, "reviewer_id": to_holder,
                        "submitted_at": now, "updated_at": now, "row_version": MonitorReport.row_version + 1},
        detail=lambda r: {"period": r.period})
    status = response_status(MonitorReport(status=DEFINITION.action(action).to, approved=False))
    for i in range(0, len(moved), 500):
        session.execute(update(FormResponse).where(FormResponse.id.in_([m.row.response_id for m in moved[i:i + 500]]))
                        .values(status=status, submitted_at=now, updated_at=now))
    return [m.id for m in moved]


def history(session: Session, report_id: int) -> list[dict[str, str]]:
    """The report's full history, oldest first, as the detail view shows it."""
    return [{"时间": h.at, "操作人": h.actor, "操作": h.action, "状态": f"{h.from_state} → {h.to_state}",
             "待审核人": h.holder, "原因": h.reason} for h in engine.history(session, SUBJECT, report_id, "未填报")]


def steps() -> Select[Unpack[tuple[Any, ...]]]:
    """Every report's transitions (``report_id`` = the report) — for checks and demos that read many."""
    return (select(WorkflowInstance.subject_id.label("report_id"), WorkflowTransition.id, WorkflowTransition.actor_id,
                   WorkflowTransition.action, WorkflowTransition.from_state, WorkflowTransition.to_state,
                   WorkflowTransition.from_holder, WorkflowTransition.to_holder, WorkflowTransition.reason,
                   WorkflowTransition.at)
            .join(WorkflowInstance, WorkflowInstance.id == WorkflowTransition.instance_id)
            .where(WorkflowInstance.subject_type == SUBJECT))


def seed(conn: Connection, reports: Sequence[dict[str, Any]], history_rows: Sequence[dict[str, Any]] = ()) -> None:
    """For reports inserted directly (demo data, tests, benchmarks): insert their workflow instances
    (state and holder as on the row) and their history rows (``report_id``, ``actor_id``, ``action``,
    ``from_state``, ``to_state``, ``from_holder``, ``to_holder``, ``reason``, ``at``)."""
    now = utcnow()
    for i in range(0, len(reports), 5000):
        chunk = reports[i:i + 5000]
        conn.execute(insert(WorkflowInstance), [
            {"workflow": SUBJECT, "subject_type": SUBJECT, "subject_id": r["id"], "state": r["status"],
             "holder_id": r.get("holder_id"), "holder_level": r.get("holder_level"), "row_version": 1,
             "created_at": now, "updated_at": now} for r in chunk])
    ids = {r["report_id"] for r in history_rows}
    inst: dict[int, int] = {}
    id_list = list(ids)
    for i in range(0, len(id_list), 5000):
        inst.update(dict(conn.execute(select(WorkflowInstance.subject_id, WorkflowInstance.id).where(
            WorkflowInstance.subject_type == SUBJECT, WorkflowInstance.subject_id.in_(id_list[i:i + 5000]))).all()))
    if history_rows:
        conn.execute(insert(WorkflowTransition), [
            {"instance_id": inst[h["report_id"]], "actor_id": h.get("actor_id"), "action": h["action"],
             "from_state": h.get("from_state"), "to_state": h["to_state"], "from_holder": h.get("from_holder"),
             "to_holder": h.get("to_holder"), "reason": h.get("reason"), "at": h.get("at") or now}
            for h in history_rows])


def notify_enterprise(session: Session, report: MonitorReport, title: str, body: str = "") -> None:
    """Tell the enterprise's accounts about their report."""
    notify.to_org(session, report.org_id, title, body, link=f"monitor_report:{report.id}")
