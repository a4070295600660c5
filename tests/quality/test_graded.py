"""The quality self-assessment on the generic flow (SQLite and PostgreSQL): start, fill clauses and
performance parameters, submit only when complete, tiers kept on the attempt and as result rows."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.assessment import AssessmentAttempt, AssessmentResult
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from services.assessment import clauses, flow, graded
from services.core.errors import Conflict, ValidationFailed
from services.core.permissions import P_QUALITY_FILL
from services.forms import definitions, responses
from tests.factories import make_admin, make_enterprise_user
from tests.quality.shipped import all_clauses, clause, model, raw
from tests.quality.test_performance import _inputs

KIND = flow.Kind("quality_capability", P_QUALITY_FILL)


@pytest.fixture
def user(db: str):  # type: ignore[no-untyped-def]
    national = make_admin(None)
    vid = definitions.save_draft(national, raw())
    definitions.publish(national, vid)
    return make_enterprise_user("320102")[0]


def _fill(response_id: int, answers: dict[str, Any]) -> None:
    """Write every clause row at once (as many saves would) — the save path is tested in test_clauses."""
    by_clause: dict[str, dict[str, Any]] = {}
    for k, v in answers.items():
        by_clause.setdefault(k.rsplit("_", 1)[0], {})[k] = v
    with session_scope() as s:
        s.add_all(ResponseSection(response_id=response_id, section=f"clause:{c}", data=data, version=1)
                  for c, data in by_clause.items())


def _perf() -> dict[str, Any]:
    out: dict[str, Any] = dict(_inputs())
    for grp in model().sections[3].groups:
        out[f"{grp.name}_basis"], out[f"{grp.name}_desc"] = "2025 年财务报表", "按年度统计。"
    return out


def _response(aid: int) -> int:
    with session_scope() as s:
        row = s.get(AssessmentAttempt, aid)
        assert row is not None
        return row.response_id


def test_submit_only_when_complete_then_tiers_are_kept(user) -> None:  # type: ignore[no-untyped-def]
    aid = flow.start(KIND, user, [])
    with pytest.raises(Conflict, match="已有一份进行中的自评估"):
        flow.start(KIND, user, [])
    rid = _response(aid)
    with pytest.raises(ValidationFailed) as err:
        graded.submit(KIND, user, aid)
    assert err.value.problems["提交"][0].startswith("还有未完成的内容，暂不能提交：6.2 质量管理体系的有效性 60 条条款")
    answers = all_clauses("2")
    for name in ("c621_11", "c621_12", "c631_11"):                    # 6.2.1: 3 基本符合 in tier 1–2 → 检验级
        answers.pop(f"{name}_conf")
    answers.update(clause("c621_21", "1"))
    answers.update(clause("c643_41", "0"))                           # 6.4.3 不符合 at 预防级 → 保证级
    clause_keys = {k for k in answers if k.startswith(("c621_11", "c621_12", "c631_11"))}
    _fill(rid, {k: v for k, v in answers.items() if k not in clause_keys})
    for name, value in (("c621_11", "1"), ("c621_12", "1"), ("c631_11", "2")):  # the last ones through the service
        clauses.save_clause(user, rid, name, clause(name, value), 0)
    with pytest.raises(ValidationFailed, match="质量绩效参数 11 项"):
        graded.submit(KIND, user, aid)
    responses.save_section(user, rid, "perf", _perf(), 0)
    grades = graded.submit(KIND, user, aid, request_id="q-submit-1")
    tier = {i.name: i.tier for i in grades.indicators}
    assert tier["6.2.1 顾客需求关注"] == 1 and tier["6.4.3 质量文化与品牌"] == 3 and tier["6.3.1 数字化基础条件"] == 5
    assert grades.first_level == {"q62": 1, "q63": 5, "q64": 3} and grades.overall == 1
    with session_scope() as s:
        row = s.get(AssessmentAttempt, aid)
        assert row is not None and (row.status, row.tier, row.tier_scores) == ("completed", 1, {"q62": 1, "q63": 5, "q64": 3})
        results = {(x.dimension, x.key): x.value for x in s.scalars(select(AssessmentResult)
                                                                   .where(AssessmentResult.attempt_id == aid))}
        assert len(results) == 1 + 3 + 13 and results[("overall", "overall")] == 1
        assert results[("second_level", "6.4.3 质量文化与品牌")] == 3 and results[("first_level", "q64")] == 3
        assert s.get(FormResponse, rid).status == "submitted"  # type: ignore[union-attr]
    assert graded.submit(KIND, user, aid, request_id="q-submit-1").overall == 1   # a double submit: same result
    with pytest.raises(Conflict, match="已完成，不能再提交"):
        graded.submit(KIND, user, aid)
    with pytest.raises(Conflict, match="不能修改"):
        clauses.save_clause(user, rid, "c621_11", clause("c621_11", "2"), 1)
    assert flow.start(KIND, user, []) != aid                          # a finished one allows a new one


def test_another_enterprise_cannot_submit(user) -> None:  # type: ignore[no-untyped-def]
    aid = flow.start(KIND, user, [])
    stranger = make_enterprise_user("320102")[0]
    with pytest.raises(Exception, match="未找到该测评记录"):
        graded.submit(KIND, stranger, aid)
