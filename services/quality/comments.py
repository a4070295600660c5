"""沟通记录: an assessor's comments on the clauses of an assessment sent to their agency, which the
enterprise reads beside each clause (条款符合性评估) and in a list, and acts on.

A comment is written while the application is accepted (services.quality.applications.commentable),
is immutable (no service changes it; db.quality refuses an ORM update), carries its author and time
(shown in China time), and sends an inbox notice to the enterprise. Reading is marked per comment
(``quality_comment_read``): unread comments are flagged until an account of the enterprise marks them read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.account import Account
from db.base import utcnow
from db.engine import session_scope
from db.organisation import Organisation
from db.quality import QualityApplication, QualityComment, QualityCommentRead, QualityQuestion
from services.assessment import clauses
from services.core import audit, notify
from services.core.errors import check
from services.core.permissions import P_QUALITY_FILL, Actor, require
from services.core.timefmt import china_time
from services.quality import applications, questions
from services.quality.common import attempt_definition, text_problems

MIN_BODY = 2          # a comment: 2 – 2000 characters (the column's length)


@dataclass(frozen=True)
class CommentView:
    id: int
    application_id: int
    attempt_id: int
    clause: str
    clause_title: str
    body: str
    author: str            # the assessor's name
    agency: str
    at: str                # China time, to the second
    read: bool


def add(actor: Actor, app_id: int, clause: str, body: str, request_id: str | None = None) -> int:
    """An assessor of the application's agency comments on ``clause`` of its assessment; return the id."""
    body = (body or "").strip()
    check({"沟通记录": text_problems("沟通记录", body, MIN_BODY, QualityComment.body)})
    with session_scope() as s:
        if (done := audit.replayed(s, request_id)) is not None:
            return int(done.target_id or 0)
        app = applications.commentable(s, actor, app_id)
        title = clauses.clause_group(attempt_definition(s, app.attempt_id), clause).title
        c = QualityComment(attempt_id=app.attempt_id, org_id=app.org_id, application_id=app.id, clause=clause,
                           clause_title=title[:200], body=body, author_id=actor.account_id, created_at=utcnow())
        s.add(c)
        s.flush()
        agency = s.get(Organisation, app.agency_id)
        notify.to_org(s, app.org_id, "评估师留下了沟通记录",
                      f"{agency.name if agency else '评估机构'}的评估师对条款「{title}」留下了评估意见，"
                      "请在「条款符合性评估」的沟通记录或「我的评估申请」中查看。", applications.LINK.format(id=app.id))
        audit.record(s, actor.account_id, "quality.comment_added", "quality_comment", c.id,
                     {"application": app.id, "clause": clause}, request_id=request_id)
        return int(c.id)


def _views_in(s: Session, where: list[Any]) -> list[CommentView]:
    rows = s.execute(select(QualityComment, Account.display_name, Account.username, Organisation.name,
                            QualityCommentRead.comment_id)
                     .join(Account, Account.id == QualityComment.author_id)
                     .join(QualityApplication, QualityApplication.id == QualityComment.application_id)
                     .join(Organisation, Organisation.id == QualityApplication.agency_id)
                     .outerjoin(QualityCommentRead, QualityCommentRead.comment_id == QualityComment.id)
                     .where(*where).order_by(QualityComment.id.desc()))
    return [CommentView(c.id, c.application_id, c.attempt_id, c.clause, c.clause_title, c.body, dn or un, ag,
                        china_time(c.created_at, "%Y-%m-%d %H:%M:%S"), read is not None)
            for c, dn, un, ag, read in rows]


def _views(where: list[Any]) -> list[CommentView]:
    with session_scope(read=True) as s:
        return _views_in(s, where)


def for_enterprise(actor: Actor, clause: str | None = None, application_id: int | None = None) -> list[CommentView]:
    """The comments on the organisation's assessments (one clause / one application, or all), newest first."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return []
    where = [QualityComment.org_id == actor.org_id]
    if clause is not None:
        where.append(QualityComment.clause == clause)
    if application_id is not None:
        where.append(QualityComment.application_id == application_id)
    return _views(where)


def for_application(actor: Actor, app_id: int, clause: str | None = None) -> list[CommentView]:
    """The comments of one application, for an assessor of its agency or the enterprise (scoped like ``get``)."""
    applications.get(actor, app_id)          # NotFound outside the actor's scope
    where = [QualityComment.application_id == app_id]
    if clause is not None:
        where.append(QualityComment.clause == clause)
    return _views(where)


def _unread_stmt(org_id: int, clause: str | None) -> Select[Any]:
    stmt = (select(func.count()).select_from(QualityComment)
            .outerjoin(QualityCommentRead, QualityCommentRead.comment_id == QualityComment.id)
            .where(QualityComment.org_id == org_id, QualityCommentRead.comment_id.is_(None)))
    return stmt.where(QualityComment.clause == clause) if clause is not None else stmt


def unread(actor: Actor, clause: str | None = None) -> int:
    """How many comments (on one clause, or all) the enterprise has not read yet."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return 0
    with session_scope(read=True) as s:
        return int(s.scalar(_unread_stmt(actor.org_id, clause)) or 0)


@dataclass(frozen=True)
class ClauseThread:
    """What the enterprise sees beside one clause: its questions, the comments on it, how many unread."""
    questions: list[questions.QuestionView]
    comments: list[CommentView]
    unread: int


def clause_counts(actor: Actor, clause: str) -> tuple[int, int, int]:
    """(questions, comments, unread comments) of the organisation on ``clause`` — one query, for the
    entry beside each clause (the lists are read only when it is opened: ``clause_thread``)."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return 0, 0, 0
    org = actor.org_id
    with session_scope(read=True) as s:
        nq, nc, nu = s.execute(select(
            select(func.count()).select_from(QualityQuestion).where(QualityQuestion.org_id == org,
                                                                     QualityQuestion.clause == clause).scalar_subquery(),
            select(func.count()).select_from(QualityComment).where(QualityComment.org_id == org,
                                                                   QualityComment.clause == clause).scalar_subquery(),
            _unread_stmt(org, clause).scalar_subquery())).one()
        return int(nq), int(nc), int(nu)


def clause_counts_many(actor: Actor, names: list[str]) -> dict[str, tuple[int, int, int]]:
    """``clause_counts`` of several clauses (an indicator's) in one read: three grouped counts."""
    require(actor, P_QUALITY_FILL)
    out = {c: (0, 0, 0) for c in names}
    if actor.org_id is None or not names:
        return out
    org = actor.org_id
    with session_scope(read=True) as s:
        nq = dict(s.execute(select(QualityQuestion.clause, func.count()).where(
            QualityQuestion.org_id == org, QualityQuestion.clause.in_(names)).group_by(QualityQuestion.clause)).all())
        nc = dict(s.execute(select(QualityComment.clause, func.count()).where(
            QualityComment.org_id == org, QualityComment.clause.in_(names)).group_by(QualityComment.clause)).all())
        nu = dict(s.execute(select(QualityComment.clause, func.count())
                            .outerjoin(QualityCommentRead, QualityCommentRead.comment_id == QualityComment.id)
                            .where(QualityComment.org_id == org, QualityComment.clause.in_(names),
                                   QualityCommentRead.comment_id.is_(None))
                            .group_by(QualityComment.clause)).all())
    return {c: (int(nq.get(c, 0)), int(nc.get(c, 0)), int(nu.get(c, 0))) for c in names}


def clause_thread(actor: Actor, clause: str) -> ClauseThread:
    """One read for an opened clause entry: the organisation's questions and the comments on ``clause``."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return ClauseThread([], [], 0)
    with session_scope(read=True) as s:
        qs = questions.views_in(s, questions.of_org(actor.org_id, clause))
        cs = _views_in(s, [QualityComment.org_id == actor.org_id, QualityComment.clause == clause])
        return ClauseThread(qs, cs, sum(1 for c in cs if not c.read))


def mark_read(actor: Actor, clause: str | None = None) -> int:
    """Mark the organisation's unread comments (on one clause, or all) read; return how many."""
    require(actor, P_QUALITY_FILL)
    if actor.org_id is None:
        return 0
    try:
        with session_scope() as s:
            stmt = (select(QualityComment.id)
                    .outerjoin(QualityCommentRead, QualityCommentRead.comment_id == QualityComment.id)
                    .where(QualityComment.org_id == actor.org_id, QualityCommentRead.comment_id.is_(None)))
            if clause is not None:
                stmt = stmt.where(QualityComment.clause == clause)
            ids = list(s.scalars(stmt))
            now = utcnow()
            s.add_all(QualityCommentRead(comment_id=i, read_by=actor.account_id, read_at=now) for i in ids)
            return len(ids)
    except IntegrityError:  # another account of the enterprise marked them at the same moment
        return 0
