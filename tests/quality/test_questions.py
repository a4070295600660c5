"""我有疑问 (SQLite and PostgreSQL): length rules, double submit, a notice to every assessor, one answer
only, a notice back, and an enterprise seeing only its own questions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.notify import Notification
from db.quality import QualityQuestion
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.quality import questions
from tests.quality.dialogue import agency, assessor, enterprise, publish_model

CLAUSE = "c621_11"


@pytest.fixture
def setup(db: str):  # type: ignore[no-untyped-def]
    publish_model()
    return enterprise()


def _notes(account_id: int) -> list[str]:
    with session_scope() as s:
        return list(s.scalars(select(Notification.title).where(Notification.account_id == account_id)))


def test_ask_answer_and_notices_both_ways(setup) -> None:  # type: ignore[no-untyped-def]
    user, aid = setup
    platform, agency_one = assessor(None), assessor(agency())
    with pytest.raises(ValidationFailed, match="疑问内容：必填，5–1000 个字符"):
        questions.ask(user, aid, CLAUSE, " 问？ ")
    with pytest.raises(ValidationFailed, match="疑问内容：不能超过 1000 个字符"):
        questions.ask(user, aid, CLAUSE, "问" * 1001)
    with pytest.raises(NotFound, match="没有条款"):
        questions.ask(user, aid, "nope", "这个条款怎么理解？")
    qid = questions.ask(user, aid, CLAUSE, "投诉答复需要书面记录吗？", request_id="ask-1")
    assert questions.ask(user, aid, CLAUSE, "投诉答复需要书面记录吗？", request_id="ask-1") == qid   # double submit
    assert questions.ask(user, aid, CLAUSE, "投诉答复需要书面记录吗？") == qid                          # same open question
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(QualityQuestion)) == 1
    assert _notes(platform.account_id) == ["企业提出了新的疑问"] and _notes(agency_one.account_id) == ["企业提出了新的疑问"]
    [open_q] = questions.for_assessors(platform)
    assert (open_q.id, open_q.clause_title, open_q.answered) == (qid, "6.2.1.1.1 接到顾客投诉后能够处理并答复", False)
    with pytest.raises(PermissionDenied):
        questions.answer(user, qid, "enterprise cannot answer")
    with pytest.raises(ValidationFailed, match="答复内容：必填"):
        questions.answer(platform, qid, "好")
    questions.answer(platform, qid, "需要，保留书面或系统记录即可。", request_id="ans-1")
    questions.answer(platform, qid, "需要，保留书面或系统记录即可。", request_id="ans-1")            # replay: nothing
    with pytest.raises(Conflict, match="已被其他评估师答复"):
        questions.answer(agency_one, qid, "另一种答复")                                                # immutable
    [mine] = questions.mine(user, CLAUSE)
    assert mine.answer == "需要，保留书面或系统记录即可。" and mine.answered_by == platform.display_name
    assert mine.answered_at and mine.asked_at[:2] == "20"
    assert _notes(user.account_id) == ["您的疑问已得到答复"]
    assert questions.for_assessors(platform) == [] and [q.id for q in questions.for_assessors(platform, answered=True)] == [qid]


def test_enterprise_sees_only_its_own_questions(setup) -> None:  # type: ignore[no-untyped-def]
    user, aid = setup
    other, other_aid = enterprise()
    questions.ask(user, aid, CLAUSE, "我们的疑问是什么？")
    with pytest.raises(NotFound):
        questions.ask(other, aid, CLAUSE, "用别人的自评估提问")       # another enterprise's attempt looks absent
    questions.ask(other, other_aid, "c621_12", "另一家企业的疑问")
    assert [q.text for q in questions.mine(user)] == ["我们的疑问是什么？"]
    assert [q.text for q in questions.mine(other)] == ["另一家企业的疑问"]
    assert questions.mine(user, "c621_12") == []
    with pytest.raises(PermissionDenied):
        questions.for_assessors(user)
