"""Smart-manufacturing maturity self-diagnoses: one row per diagnosis, kept as the summary that
queries, exports and statistics read (answers themselves live in the form response)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from db.base import Base, intpk, timestamp
from db.stats import WIDE


class Diagnosis(Base):
    __tablename__ = "cmmm_diagnosis"
    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_progress", index=True)  # in_progress/completed/abandoned
    current_section: Mapped[str] = mapped_column(String(32), default="level1")
    tailoring: Mapped[list[Any]] = mapped_column(JSON, default=list)
    month: Mapped[str] = mapped_column(String(7), index=True)  # China-time month it was started: the monthly limit
    started_at: Mapped[timestamp]
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    year: Mapped[Optional[int]] = mapped_column(Integer)          # China-time year completed
    total_score: Mapped[Optional[Decimal]] = mapped_column(Numeric(8, 4))
    level: Mapped[Optional[int]] = mapped_column(Integer)         # 0 = below level 1
    level_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    domain_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    group_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subdomain_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    year_latest: Mapped[bool] = mapped_column(Boolean, default=False)  # latest completed within its year
    province_code: Mapped[Optional[str]] = mapped_column(String(6))
    city_code: Mapped[Optional[str]] = mapped_column(String(6))
    county_code: Mapped[Optional[str]] = mapped_column(String(6))
    division_code: Mapped[Optional[str]] = mapped_column(String(2))
    size: Mapped[Optional[str]] = mapped_column(String(4))
    is_latest: Mapped[bool] = mapped_column(Boolean, default=False)  # the org's latest completed diagnosis
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    # the names the generic assessment flow reads (services.assessment.flow; db.assessment.AssessmentAttempt)
    period_key = synonym("month")
    tier = synonym("level")
    tier_scores = synonym("level_scores")
    # The wide dimensions the definition declares (domain d0–d11, sub-domain s0–s19, in its order,
    # db.stats.WIDE), as integers in db.stats.UNIT (1/10 000 point), so statistics sum them in SQL
    # exactly and fast (integer sums; no JSON parsing, no NUMERIC arithmetic). NULL = tailored out.
    for _prefix, _names in WIDE.values():
        for _i in range(len(_names)):
            locals()[f"{_prefix}{_i}"] = mapped_column(Integer, nullable=True)
    del _prefix, _names, _i
    __table_args__ = (
        Index("ix_cmmm_latest_province_level", "is_latest", "province_code", "level"),
        Index("ix_cmmm_latest_city", "is_latest", "city_code"),
        Index("ix_cmmm_latest_county", "is_latest", "county_code"),
        Index("ix_cmmm_latest_division", "is_latest", "division_code"),
        Index("ix_cmmm_completed", "status", "completed_at"),
        # record queries: a scope (+ level) and newest first; the status makes them covering for the count
        Index("ix_cmmm_province_level_time", "province_code", "level", "completed_at", "status"),
        Index("ix_cmmm_province_time", "province_code", "completed_at", "status"),
        Index("ix_cmmm_city_time", "city_code", "completed_at", "status"),
        Index("ix_cmmm_county_time", "county_code", "completed_at", "status"),
        # statistics: one industry's diagnoses inside one city (the counties under an industry filter)
        Index("ix_cmmm_city_division", "city_code", "division_code"),
        Index("ix_cmmm_org_month", "org_id", "month"),
    )
