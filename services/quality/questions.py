"""我有疑问: an enterprise asks about one clause of the quality self-assessment; the platform's assessors
answer.

Who answers: the platform's assessors — every active account holding the ``assessor`` role (the
platform's own and the evaluation agencies'); each gets an inbox notice of a new question and sees the
open questions of every enterprise (a question is addressed to the platform, not to an agency). An
answer is written once: the first assessor's answer stays, a later one gets ``Conflict``. The
enterprise's accounts get an inbox notice of the answer. An enterprise sees only its own questions.
"""
from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, aliased

from db.account import Account
from db.assessment import AssessmentAttempt
from db.base import utcnow
from db.engine import session_scope
from db.organisation import Organisation
from db.quality import QualityQuestion
from services.assessment import clauses, quality
from services.core import audit, notify
from services.core.errors import Conflict, NotFound, ValidationFailed, check
from services.core.permissions import P_QUALITY_ASSESS, P_QUALITY_FILL, Actor, require
from services.core.timefmt import china_time
from services.quality.agencies import assessor_ids
from services.quality.common import attempt_definition, text_problems

MIN_TEXT = 5          # a question: 5 – 1000 characters (the column's length)
MIN_ANSWER = 2        # an answer: 2 – 2000 characters
LINK = "quality_question:{id}"


@dataclass(frozen=True)
class QuestionView:
    id: int
    org_name: str
    clause: str
    clause_title: str
    text: str
    asked_by: str
    asked_at: str          # China time
    answer: str | None
    answered_by: str | None
    answered_at: str | None

    @property
    def answered(self) -> bool:
        return self.answer is not None


def ask(actor: Actor, attempt_id: int, clause: str, text: str, request_id: str | None = None) -> int:
    """Ask about ``clause`` of one of the organisation's attempts; return the question's id. A double
    submit (same request id, or the same open question on the same clause) asks once."""
    require(actor, P_QUALITY_FILL)
    text = (text or "").strip()
    check({"疑问内容": text_problems("疑问内容", text, MIN_TEXT, QualityQuestion.text)})
    with session_scope() as s:
        if (done := audit.replayed(s, request_id)) is not None:
            return int(done.target_id or 0)
        row = s.get(AssessmentAttempt, attempt_id)
        if row is None or row.org_id != actor.org_id or row.code != quality.KIND.code:
            raise NotFound("未找到该自评估记录。")
        title = clauses.clause_group(attempt_definition(s, row.id), clause).title
        same = s.scalar(select(QualityQuestion.id).where(
            QualityQuestion.org_id == row.org_id, QualityQuestion.clause == clause, QualityQuestion.text == text,
            QualityQuestion.answered_at.is_(None)))
        if same is not None:
            return int(same)
        q = QualityQuestion(org_id=row.org_id, attempt_id=row.id, clause=clause, clause_title=title[:200], text=text,
                            asked_by=actor.account_id, asked_at=utcnow())
        s.add(q)
        s.flush()
        org = s.get(Organisation, row.org_id)
        notify.send(s, assessor_ids(s), "企业提出了新的疑问",
                    f"「{org.name if org else ''}」对条款「{title}」提出疑问，请在「我有疑问」中答复。",
                    LINK.format(id=q.id))
        audit.record(s, actor.account_id, "quality.question_asked", "quality_question", q.id,
                     {"clause": clause, "attempt": row.id}, request_id=request_id)
        return int(q.id)


def answer(actor: Actor, question_id: int, text: str, request_id: str | None = None) -> None:
    """An assessor answers a question, once: a question already answered gets ``Conflict`` (the first
    answer stays; two assessors answering at once: one wins)."""
    require(actor, P_QUALITY_ASSESS)
    text = (text or "").strip()
    check({"答复内容": text_problems("答复内容", text, MIN_ANSWER, QualityQuestion.answer)})
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        q = s.get(QualityQuestion, question_id)
        if q is None:
            raise NotFound("未找到该疑问。")
        done = s.execute(update(QualityQuestion).where(QualityQuestion.id == q.id, QualityQuestion.answered_at.is_(None))
                         .values(answer=text, answered_by=actor.account_id, answered_at=utcnow())
                         .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("该疑问已被其他评估师答复，答复一经发送不能修改；请刷新后查看。")
        notify.to_org(s, q.org_id, "您的疑问已得到答复",
                      f"您对条款「{q.clause_title}」提出的疑问已由评估师答复，请在「我有疑问」中查看。",
                      LINK.format(id=q.id))
        audit.record(s, actor.account_id, "quality.question_answered", "quality_question", q.id, request_id=request_id)


def views_in(s: Session, stmt: Select[Any]) -> list[QuestionView]:
    """The questions ``stmt`` (a select of QualityQuestion) picks, as views, inside the caller's session."""
    asker, answerer = aliased(Account), aliased(Account)
    stmt = (stmt.add_columns(Organisation.name, asker.display_name, asker.username, answerer.display_name,
                             answerer.username)
            .join(Organisation, Organisation.id == QualityQuestion.org_id)
            .join(asker, asker.id == QualityQuestion.asked_by)
            .outerjoin(answerer, answerer.id == QualityQuestion.answered_by))
    return [QuestionView(q.id, org, q.clause, q.clause_title, q.text, ad or au, china_time(q.asked_at), q.answer,
                         (bd or bu) if q.answered_by else None, china_time(q.answered_at) or None)
            for q, org, ad, au, bd, bu in s.execute(stmt)]


def _views(stmt: Select[Any]) -> list[QuestionView]:
    with session_scope(read=True) as s:
        return views_in(s, stmt)


def of_org(org_id: int, clause: str | None = None) -> Select[Any]:
    """The select of an organisation's questions (of one clause, or all), newest first."""
    stmt = select(QualityQuestion).where(QualityQuestion.org_id == org_id)
    if clause is not None:
        stmt = stmt.where(QualityQuestion.clause == clause)
    return stmt.order_by(QualityQuestion.id.desc())


def mine(actor: Actor, clause: str | None = None) -> list[QuestionView]:
    """The organisation's questions (of one clause, or all), newest first."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return []
    return _views(of_org(actor.org_id, clause))


def for_assessors(actor: Actor, answered: bool = False, limit: int = 200) -> list[QuestionView]:
    """The platform's questions for its assessors: open ones (oldest first) or answered ones (newest first)."""
    require(actor, P_QUALITY_ASSESS)
    if not 1 <= limit <= 1000:
        raise ValidationFailed({"条数": ["条数：须为 1–1000。"]})
    if answered:
        stmt = select(QualityQuestion).where(QualityQuestion.answered_at.is_not(None)).order_by(QualityQuestion.id.desc())
    else:
        stmt = select(QualityQuestion).where(QualityQuestion.answered_at.is_(None)).order_by(QualityQuestion.id)
    return _views(stmt.limit(limit))
