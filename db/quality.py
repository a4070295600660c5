"""Quality self-assessment dialogue: 我有疑问 (questions to the platform's assessors), 沟通记录 (assessors'
comments per clause) and 评估申请 (applications for third-party evaluation, workflow ``quality_application``).

Comments are immutable: an ORM update of a ``quality_comment`` row raises (``_immutable``); whether the
enterprise has read one is a separate row (``quality_comment_read``). A question's answer is written
once (the service updates only while it is empty)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, intpk, timestamp, utcnow


class QualityQuestion(Base):
    """我有疑问: one question of an enterprise about one clause, answered once by an assessor."""

    __tablename__ = "quality_question"
    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="SET NULL"))
    clause: Mapped[str] = mapped_column(String(32))                  # the clause group's name
    clause_title: Mapped[str] = mapped_column(String(200))           # as the enterprise saw it
    text: Mapped[str] = mapped_column(String(1000))
    asked_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    asked_at: Mapped[timestamp]
    answer: Mapped[Optional[str]] = mapped_column(String(2000))
    answered_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_quality_question_org_clause", "org_id", "clause"),
                      Index("ix_quality_question_open", "answered_at", "id"))


class QualityApplication(Base):
    """发起评估申请: an enterprise asks a third-party agency to evaluate one completed self-assessment.

    ``status`` / ``holder_id`` mirror the workflow instance (written by the workflow engine only);
    ``open_attempt_id`` is the attempt while the application is open (submitted / accepted) and NULL
    otherwise — its unique constraint keeps one open application per assessment on both databases."""

    __tablename__ = "quality_application"
    id: Mapped[intpk]
    attempt_id: Mapped[int] = mapped_column(ForeignKey("assessment_attempt.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    open_attempt_id: Mapped[Optional[int]] = mapped_column(Integer, unique=True)
    contact: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32))
    expected_date: Mapped[dt.date] = mapped_column(Date)
    remarks: Mapped[Optional[str]] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    holder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))   # the assessor who accepted
    result_tier: Mapped[Optional[int]] = mapped_column(Integer)       # 0 = below the first level
    conclusion: Mapped[Optional[str]] = mapped_column(String(2000))
    evaluated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id"))
    evaluated_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QualityComment(Base):
    """沟通记录: an assessor's comment on one clause of an attempt (immutable once written)."""

    __tablename__ = "quality_comment"
    id: Mapped[intpk]
    attempt_id: Mapped[int] = mapped_column(ForeignKey("assessment_attempt.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("quality_application.id"), index=True)
    clause: Mapped[str] = mapped_column(String(32))
    clause_title: Mapped[str] = mapped_column(String(200))           # as the assessor saw it
    body: Mapped[str] = mapped_column(String(2000))
    author_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[timestamp]
    __table_args__ = (Index("ix_quality_comment_org_clause", "org_id", "clause"),)


class QualityCommentRead(Base):
    """The enterprise has read a comment (any account of the organisation)."""

    __tablename__ = "quality_comment_read"
    comment_id: Mapped[int] = mapped_column(ForeignKey("quality_comment.id", ondelete="CASCADE"), primary_key=True)
    read_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    read_at: Mapped[timestamp]


@event.listens_for(QualityComment, "before_update")
def _immutable(_mapper: Any, _connection: Any, target: QualityComment) -> None:
    raise ValueError(f"沟通记录 {target.id} 不能修改：评估意见一经发送即不可更改。")
