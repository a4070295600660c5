"""Definitions with immutable published versions, and responses stored for SQL statistics.

A response's answers live per section (``ResponseSection``, each with its own version number so
two people editing different sections never collide and the same section never silently
overwrites). On submission every scalar answer is also written as a typed ``AnswerValue`` row and
every computed score as a ``ResponseScore`` row, so statistics aggregate in SQL.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class FormDefinition(Base):
    """A questionnaire, assessment model or report form, identified by a stable code.

    ``owner_region`` is the owner scope: NULL for a national definition, else the adcode of the
    province / city / county that owns it (see services/forms/ownership.py: who may change it,
    which organisations it reaches).
    """

    __tablename__ = "form_definition"
    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_region: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[timestamp]
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))


class FormVersion(Base):
    """One version of a definition: draft (editable) → published (immutable) → stopped."""

    __tablename__ = "form_version"
    id: Mapped[intpk]
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[timestamp]
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    __table_args__ = (UniqueConstraint("definition_id", "version"),)


class FormResponse(Base):
    """One organisation's answers to one published version (for a period, if the form has one).

    ``org_id`` is NULL for an anonymous answer to a public survey (services/market/needs_survey.py)."""

    __tablename__ = "form_response"
    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id"), index=True)
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    period: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft / submitted / …
    current_section: Mapped[str] = mapped_column(String(64), default="")
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_form_response_def_org_period", "definition_id", "org_id", "period"),)


class ResponseSection(Base):
    """The answers of one section, versioned for optimistic concurrency."""

    __tablename__ = "response_section"
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id", ondelete="CASCADE"), primary_key=True)
    section: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    updated_at: Mapped[timestamp]


class AnswerValue(Base):
    """A scalar answer of a submitted response: ``path`` is "q", "matrix.row.cell" or "group[2].q"."""

    __tablename__ = "answer_value"
    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    question: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(160))
    num_value: Mapped[Optional[Decimal]] = mapped_column(Numeric(20, 6))
    text_value: Mapped[Optional[str]] = mapped_column(Text)
    __table_args__ = (Index("ix_answer_value_version_question", "version_id", "question"),)


class ResponseScore(Base):
    """A computed score: key "total", "section:l1", "group:l1_data", "tag:domain:数据"."""

    __tablename__ = "response_score"
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    outcome: Mapped[Optional[str]] = mapped_column(String(64))


class FormDistribution(Base):
    """分发: a questionnaire handed to the administrators of a subordinate region (services/forms/questionnaires.py).

    Its administrators find it under 分发给我的 (查看 / 分析 / 导出 within their jurisdiction), and it reaches
    that region's enterprises even when the questionnaire's own scope named other regions."""

    __tablename__ = "form_distribution"
    id: Mapped[intpk]
    definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    distributed_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    __table_args__ = (UniqueConstraint("definition_id", "region_code"),)
