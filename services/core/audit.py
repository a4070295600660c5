"""Audit rows, written inside the caller's transaction, and replay detection by request id."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import AuditLog


def record(session: Session, actor_id: int | None, action: str, target_type: str, target_id: Any,
           detail: dict[str, Any] | None = None, request_id: str | None = None) -> AuditLog:
    """Add an audit row (no commit: the caller's transaction owns it)."""
    row = AuditLog(actor_id=actor_id, action=action, target_type=target_type,
                   target_id=None if target_id is None else str(target_id), detail=detail or {},
                   request_id=request_id)
    session.add(row)
    session.flush()
    return row


def replayed(session: Session, request_id: str | None) -> AuditLog | None:
    """Return the audit row of an action already done under ``request_id`` (a double submit)."""
    if not request_id:
        return None
    return session.scalar(select(AuditLog).where(AuditLog.request_id == request_id))
