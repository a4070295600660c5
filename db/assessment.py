"""Tier-based assessments other than the self-diagnosis (services/assessment): one row per attempt,
and its result dimensions as narrow rows that statistics aggregate for any model.

The self-diagnosis keeps its own attempt table (``cmmm_diagnosis``, with wide typed columns for its
national-scale dashboards); both carry the columns the flow reads (see ``services.assessment.flow``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp


class AssessmentAttempt(Base):
    __tablename__ = "assessment_attempt"
    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64))                     # the definition's code
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_progress")  # in_progress/completed/abandoned
    current_section: Mapped[str] = mapped_column(String(32))
    tailoring: Mapped[list[Any]] = mapped_column(JSON, default=list)
    period_key: Mapped[str] = mapped_column(String(7))  # China-time month/quarter/year started: the attempt limit
    started_at: Mapped[timestamp]
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    year: Mapped[Optional[int]] = mapped_column(Integer)
    total_score: Mapped[Optional[Decimal]] = mapped_column(Numeric(8, 4))
    tier: Mapped[Optional[int]] = mapped_column(Integer)              # 0 = below the first tier
    tier_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    __table_args__ = (Index("ix_assessment_attempt_org_period", "code", "org_id", "period_key"),)


class AssessmentResult(Base):
    """One score of a completed attempt: (dimension, key) → value in 1/10 000 point (db.stats.UNIT)."""
    __tablename__ = "assessment_result"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)   # "tier", "domain", …
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_assessment_result_dimension", "code", "dimension", "key"),)
