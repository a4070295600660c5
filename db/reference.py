"""Reference trees: GB/T 2260 regions and GB/T 4754-2017 industries."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Region(Base):
    """A GB/T 2260 region. ``province_code``/``city_code`` store the path for fast scoping."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10), index=True)  # province / city / county
    parent_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"), index=True)
    province_code: Mapped[str] = mapped_column(String(6), index=True)
    city_code: Mapped[Optional[str]] = mapped_column(String(6), index=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Industry(Base):
    """A GB/T 4754-2017 industry: section letter, 2-digit division, 3-digit group, 4-digit class."""

    __tablename__ = "industry"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(10), index=True)  # section / division / group / class
    parent_code: Mapped[Optional[str]] = mapped_column(ForeignKey("industry.code"), index=True)
    section_code: Mapped[str] = mapped_column(String(1), index=True)
