"""Audit log: one row for every state change, written in the same transaction."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp


class AuditLog(Base):
    """Who did what to which object. ``request_id`` is unique: a replayed submit is recognised."""

    __tablename__ = "audit_log"
    id: Mapped[intpk]
    at: Mapped[timestamp]
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
