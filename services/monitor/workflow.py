"""The monthly report's state machine: one function per transition, each one transaction with a
history row, an audit row and the notifications it causes.

    editing ──上报──▶ reviewing (holder: direct reviewer) ──接收──▶ reviewing (holder: upper admin)
       ▲   ◀──撤销── (only while no administrator has acted)          … national ──接收──▶ accepted
       │                 │                                            │
       └──── returned ◀──退回 (the holder, with a reason) ────────────┘
    editing ──key field changed──▶ frozen ──解除冻结──▶ unfrozen (editable) / ──驳回──▶ editing

The holder acts; a lower level that passed a report on cannot pull it back. ``approved`` (审核通过,
used by next month's balance checks) is set by the first acceptance and cleared by a return.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.audit import AuditLog
from db.base import utcnow
from db.forms import FormResponse
from db.monitor import MonitorReport, MonitorTransition
from services import audit, notify

STATUS_LABEL = {"editing": "编辑", "frozen": "冻结", "unfrozen": "解除冻结", "reviewing": "审核中",
                "returned": "退回", "accepted": "审核通过"}
ACTION_LABEL = {"report": "上报", "revoke": "撤销", "accept": "接收", "final_accept": "接收（终审）",
                "return": "退回", "bulk_accept": "一键接收", "skip_level_accept": "越级接收", "freeze": "冻结",
                "unfreeze": "解除冻结", "auto_unfreeze": "解除冻结（系统自动确认）", "reject_change": "驳回变更", "import": "上报导入"}
EDITABLE = ("editing", "returned", "unfrozen")


def response_status(report: MonitorReport) -> str:
    """Return the definition engine's status for the report's response (one mapping, used everywhere)."""
    if report.status in ("editing", "unfrozen"):
        return "draft"
    if report.status == "reviewing":
        return "approved" if report.approved else "submitted"
    if report.status == "accepted":
        return "approved"
    return report.status  # returned / frozen


def move(session: Session, report: MonitorReport, actor_id: int | None, action: str, to_status: str,
         to_holder: int | None = None, holder_level: str | None = None, reason: str | None = None,
         request_id: str | None = None, **fields: Any) -> None:
    """Apply one transition to a loaded report (the caller has checked it is allowed)."""
    history = MonitorTransition(report_id=report.id, actor_id=actor_id, action=action, from_status=report.status,
                                to_status=to_status, from_holder=report.holder_id, to_holder=to_holder, reason=reason)
    session.add(history)
    report.status, report.holder_id, report.holder_level = to_status, to_holder, holder_level
    for key, value in fields.items():
        setattr(report, key, value)
    session.flush()
    response = session.get(FormResponse, report.response_id)
    if response is not None:
        response.status = response_status(report)
    audit.record(session, actor_id, f"monitor.{action}", "monitor_report", report.id,
                 {"period": report.period, "org_id": report.org_id, "to": to_status, "holder": to_holder,
                  **({"reason": reason} if reason else {})}, request_id=request_id)


@dataclass(frozen=True)
class Moved:
    id: int
    org_id: int
    period: str
    response_id: int


def move_many(session: Session, actor_id: int, action: str, where: Iterable[Any], to_holder: int | None,
              holder_level: str | None, final: bool) -> list[Moved]:
    """Accept many reports in one statement: only rows still matching ``where`` change (a report another
    reviewer returned meanwhile no longer matches, so nothing is lost); history and audit rows follow."""
    conditions = list(where)
    now = utcnow()
    rows = list(session.execute(select(MonitorReport.id, MonitorReport.org_id, MonitorReport.period,
                                       MonitorReport.response_id, MonitorReport.holder_id, MonitorReport.status)
                                .where(*conditions).with_for_update()))
    if not rows:
        return []
    ids = [r.id for r in rows]
    values: dict[str, Any] = {"holder_id": to_holder, "holder_level": holder_level, "acted": True, "approved": True,
                              "updated_at": now, "row_version": MonitorReport.row_version + 1}
    if final:
        values["status"] = "accepted"
    changed = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        done = session.execute(update(MonitorReport).where(MonitorReport.id.in_(chunk), *conditions)
                               .values(values).returning(MonitorReport.id))
        changed |= {x for (x,) in done}
    moved = [r for r in rows if r.id in changed]
    to_status = "accepted" if final else "reviewing"
    if moved:
        session.execute(insert(MonitorTransition), [
            {"report_id": r.id, "actor_id": actor_id, "action": action, "from_status": r.status, "to_status": to_status,
             "from_holder": r.holder_id, "to_holder": to_holder, "at": now} for r in moved])
        session.execute(insert(AuditLog), [
            {"actor_id": actor_id, "action": f"monitor.{action}", "target_type": "monitor_report",
             "target_id": str(r.id), "at": now, "detail": {"period": r.period, "to": to_status, "holder": to_holder}}
            for r in moved])
        for i in range(0, len(moved), 500):
            session.execute(update(FormResponse).where(FormResponse.id.in_([r.response_id for r in moved[i:i + 500]]))
                            .values(status="approved"))
    return [Moved(r.id, r.org_id, r.period, r.response_id) for r in moved]


def notify_enterprise(session: Session, report: MonitorReport, title: str, body: str = "") -> None:
    """Tell the enterprise's accounts about their report."""
    notify.to_org(session, report.org_id, title, body, link=f"monitor_report:{report.id}")
