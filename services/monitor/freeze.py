"""The key-information freeze (manual: 修改企业名称、组织机构代码、所属行业 … 冻结本次填报过程，等待两分钟自动审核).

A report frozen because step ① changed a key field waits for the direct reviewer to confirm or refuse
the change. When no administrator has acted within ``REVIEW_WINDOW`` (by ``clock.now()``), the system
confirms it: the first time the report is read or listed after that (``settle``), in one transaction,
with a history row whose actor is the system and the reason ``AUTO_REASON``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

import clock
from db.base import as_utc
from db.monitor import MonitorReport
from db.organisation import Organisation
from services.core.errors import ServiceError
from services.monitor import workflow
from services.core.permissions import Actor
from services.orgs.registration import correct_org, form_values
from services.workflow import engine

REVIEW_WINDOW = dt.timedelta(minutes=2)
AUTO_REASON = "超过2分钟未处理，系统自动确认"
KEY_TARGETS = (("org_name", "name"), ("credit_code", "credit_code"), ("industry", "industry_code"))


def confirm(session: Session, report: MonitorReport, actor: Actor | None, request_id: str | None = None) -> None:
    """解除冻结 inside the caller's transaction: apply the changed name / credit code / industry to the
    organisation (the administrator's correction rules) and let the enterprise go on. ``actor=None``:
    the system, after ``REVIEW_WINDOW``."""
    org = session.get(Organisation, report.org_id)
    assert org is not None
    changes = report.frozen_changes or {}
    data = form_values(org) | {target: changes[key][1] for key, target in KEY_TARGETS if key in changes}
    correct_org(session, actor, org, data)   # the same rules, uniqueness and audit as an administrator's edit
    report.division_code = org.division_code
    workflow.move(session, report, actor, "unfreeze" if actor else "auto_unfreeze", request_id=request_id,
                  frozen_changes={}, reason=None if actor else AUTO_REASON)
    workflow.notify_enterprise(session, report, f"{report.period} 月报已解除冻结",
                               "关键信息变更已确认，请继续填报。" if actor else f"关键信息变更{AUTO_REASON}，请继续填报。")


def frozen_since(session: Session, report_id: int) -> dt.datetime | None:
    """Return when the report was last frozen (UTC)."""
    at = engine.last_at(session, workflow.SUBJECT, report_id, "freeze")
    return as_utc(at) if at is not None else None


def settle(session: Session, reports: Iterable[MonitorReport]) -> list[int]:
    """Confirm, as the system, every one of ``reports`` frozen for ``REVIEW_WINDOW`` or longer with no
    administrator's decision; return their ids. A change the rules refuse (e.g. a name taken
    meanwhile) stays frozen for an administrator."""
    done = []
    cutoff = clock.now() - REVIEW_WINDOW
    for report in reports:
        if report.status != "frozen":
            continue
        since = frozen_since(session, report.id)
        if since is None or since > cutoff:
            continue
        session.refresh(report, with_for_update=True)  # lock, and see a decision taken meanwhile
        if report.status != "frozen":
            continue
        try:
            confirm(session, report, None)  # correct_org checks everything before it changes anything
        except ServiceError:  # refused by the rules: an administrator decides
            continue
        done.append(report.id)
    return done
