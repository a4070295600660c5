"""Organisations: enterprises and service providers, with their registration review state."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class Organisation(Base):
    """An enterprise or a service provider. Region path columns make jurisdiction filters one index hit."""

    __tablename__ = "organisation"
    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(16), index=True)  # enterprise / provider / agency
    name: Mapped[str] = mapped_column(String(128), unique=True)
    credit_code: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    region_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"), index=True)
    province_code: Mapped[Optional[str]] = mapped_column(String(6), index=True)
    city_code: Mapped[Optional[str]] = mapped_column(String(6), index=True)
    county_code: Mapped[Optional[str]] = mapped_column(String(6), index=True)
    industry_code: Mapped[Optional[str]] = mapped_column(ForeignKey("industry.code"), index=True)
    division_code: Mapped[Optional[str]] = mapped_column(String(2), index=True)
    employees: Mapped[Optional[int]] = mapped_column(Integer)
    revenue: Mapped[Optional[Decimal]] = mapped_column(Numeric(16, 2))  # 万元
    assets: Mapped[Optional[Decimal]] = mapped_column(Numeric(16, 2))  # 万元
    size: Mapped[Optional[str]] = mapped_column(String(4), index=True)  # 大型/中型/小型/微型
    legal_rep: Mapped[Optional[str]] = mapped_column(String(64))
    contact_name: Mapped[Optional[str]] = mapped_column(String(64))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(32))
    address: Mapped[Optional[str]] = mapped_column(String(256))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # draft -> pending -> approved | returned -> pending ...
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    return_reason: Mapped[Optional[str]] = mapped_column(Text)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[Optional[int]] = mapped_column(Integer)  # account id; the audit row links it
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
