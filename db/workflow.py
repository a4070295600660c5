"""Reviewed things: one instance per subject (its workflow state and holder) and its transitions.

Every review chain declared under ``specs/workflows/`` keeps its state here (services/workflow):
``workflow_instance`` says where a subject stands now (state, the account that must act, at which
level, who submitted it) and ``workflow_transition`` is its full history (who, when, what,
from → to, the holder change, the reason).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class WorkflowInstance(Base):
    __tablename__ = "workflow_instance"
    id: Mapped[intpk]
    workflow: Mapped[str] = mapped_column(String(40))                   # the definition's code
    subject_type: Mapped[str] = mapped_column(String(40))               # organisation / monitor_report / …
    subject_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24))
    holder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))   # who must act now
    holder_level: Mapped[Optional[str]] = mapped_column(String(10))    # county / city / province / national
    submitter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)       # +1 at every transition
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("subject_type", "subject_id"),
                      Index("ix_workflow_instance_state", "workflow", "state"))


class WorkflowTransition(Base):
    """One step of a subject's history."""

    __tablename__ = "workflow_transition"
    id: Mapped[intpk]
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))    # None: the system
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[Optional[str]] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    from_holder: Mapped[Optional[int]] = mapped_column(Integer)
    to_holder: Mapped[Optional[int]] = mapped_column(Integer)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[timestamp]
