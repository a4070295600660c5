"""沟通记录 (SQLite and PostgreSQL): only an assessor of the application's agency, only while accepted;
immutable, timestamped in China time with its author; the enterprise reads them per clause and in a
list, unread ones flagged until marked, with an inbox notice."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

import clock
from db.engine import session_scope
from db.notify import Notification
from db.quality import QualityComment
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.quality import applications as apps, comments
from tests.quality.dialogue import agency, assessor, colleague, enterprise, publish_model

CLAUSE = "c621_11"


@pytest.fixture
def world(db: str):  # type: ignore[no-untyped-def]
    publish_model()
    user, aid = enterprise()
    a, b = agency(), agency()
    pa, pb = assessor(a), assessor(b)
    app_id = apps.apply(user, aid, a, "李四", "13912345678", clock.today())
    return user, aid, app_id, pa, pb


def test_comment_only_while_accepted_by_the_agency(world) -> None:  # type: ignore[no-untyped-def]
    user, _aid, app_id, pa, pb = world
    with pytest.raises(Conflict, match="受理后、出具评估结果前才能填写沟通记录"):
        comments.add(pa, app_id, CLAUSE, "请补充投诉台账。")
    apps.accept(pa, app_id)
    with pytest.raises(NotFound):
        comments.add(pb, app_id, CLAUSE, "另一家机构的意见")
    with pytest.raises(ValidationFailed, match="沟通记录：必填，2–2000 个字符"):
        comments.add(pa, app_id, CLAUSE, "好")
    with pytest.raises(NotFound, match="没有条款"):
        comments.add(pa, app_id, "nope", "不存在的条款")
    with clock.travel(dt.datetime(2026, 12, 3, 0, 30, tzinfo=clock.CHINA), freeze=True):
        cid = comments.add(pa, app_id, CLAUSE, "请补充投诉台账的截图。", request_id="c-1")
        assert comments.add(pa, app_id, CLAUSE, "请补充投诉台账的截图。", request_id="c-1") == cid
    [c] = comments.for_enterprise(user, CLAUSE)
    assert (c.id, c.author, c.at, c.read) == (cid, pa.display_name, "2026-12-03 00:30:00", False)   # China time
    assert c.agency.startswith("测试评估机构")
    with session_scope() as s:
        titles = list(s.scalars(select(Notification.title).where(Notification.account_id == user.account_id)))
    assert "评估师留下了沟通记录" in titles
    apps.evaluate(pa, app_id, 2, "基本符合检验级要求。")
    with pytest.raises(Conflict, match="已评估"):
        comments.add(pa, app_id, CLAUSE, "评估后不能再留言")


def test_comments_are_immutable(world) -> None:  # type: ignore[no-untyped-def]
    _user, _aid, app_id, pa, _pb = world
    apps.accept(pa, app_id)
    cid = comments.add(pa, app_id, CLAUSE, "原始意见")
    with pytest.raises(ValueError, match="不能修改"):
        with session_scope() as s:
            row = s.get(QualityComment, cid)
            assert row is not None
            row.body = "改过的意见"
    with session_scope() as s:
        assert s.scalar(select(QualityComment.body).where(QualityComment.id == cid)) == "原始意见"
    assert not hasattr(comments, "edit") and not hasattr(comments, "delete")


def test_unread_flags_and_scope_of_reading(world) -> None:  # type: ignore[no-untyped-def]
    user, _aid, app_id, pa, pb = world
    apps.accept(pa, app_id)
    comments.add(pa, app_id, CLAUSE, "意见一")
    comments.add(pa, app_id, "c621_12", "意见二")
    assert comments.unread(user) == 2 and comments.unread(user, CLAUSE) == 1
    assert comments.clause_counts(user, CLAUSE) == (0, 1, 1) and comments.clause_counts(user, "c621_21") == (0, 0, 0)
    names = [CLAUSE, "c621_12", "c621_21"]                          # the clause panel reads an indicator's at once
    assert comments.clause_counts_many(user, names) == {c: comments.clause_counts(user, c) for c in names} \
        == {CLAUSE: (0, 1, 1), "c621_12": (0, 1, 1), "c621_21": (0, 0, 0)}
    assert comments.clause_counts_many(enterprise()[0], names) == dict.fromkeys(names, (0, 0, 0))
    thread = comments.clause_thread(user, CLAUSE)                   # what the clause panel reads, in one go
    assert ([c.body for c in thread.comments], thread.unread, thread.questions) == (["意见一"], 1, [])
    assert thread.comments[0].clause_title == "6.2.1.1.1 接到顾客投诉后能够处理并答复"
    assert comments.clause_thread(enterprise()[0], CLAUSE) == comments.ClauseThread([], [], 0)
    assert [c.body for c in comments.for_application(user, app_id)] == ["意见二", "意见一"]
    assert [c.body for c in comments.for_application(pa, app_id, CLAUSE)] == ["意见一"]
    with pytest.raises(NotFound):
        comments.for_application(pb, app_id)
    other, _ = enterprise()
    assert comments.for_enterprise(other) == [] and comments.unread(other) == 0
    with pytest.raises(NotFound):
        comments.for_application(other, app_id)
    assert comments.mark_read(colleague(user), CLAUSE) == 1          # any account of the enterprise
    assert comments.unread(user) == 1 and comments.unread(user, CLAUSE) == 0
    assert {c.body: c.read for c in comments.for_enterprise(user)} == {"意见一": True, "意见二": False}
    assert comments.mark_read(user) == 1 and comments.mark_read(user) == 0 and comments.unread(user) == 0
