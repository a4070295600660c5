"""Team filling: per-clause optimistic versions on SQLite and PostgreSQL. Two sessions of one enterprise
saving the same clause: the second gets a Conflict showing the other change and nothing is
overwritten; different clauses save independently, also when two threads save at the same moment."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.forms import ResponseSection
from services.assessment import clauses
from services.assessment.tiers import grade
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.forms import definitions, responses
from tests.factories import make_admin, make_enterprise_user
from tests.quality.shipped import clause, model, raw


@pytest.fixture
def response(db: str):  # type: ignore[no-untyped-def]
    national = make_admin(None)
    vid = definitions.save_draft(national, raw())
    definitions.publish(national, vid)
    user, _ = make_enterprise_user("320102")
    return user, responses.open_response(user, vid)


def test_the_same_clause_twice_is_a_conflict_showing_the_other_change(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    assert clauses.save_clause(user, rid, "c621_11", clause("c621_11", "2", "每周汇总投诉。"), 0) == 1
    other = clause("c621_11", "1", "只处理了部分投诉。")
    with pytest.raises(Conflict) as err:                        # the second session loaded version 0 too
        clauses.save_clause(user, rid, "c621_11", other, 0, base_data={})
    msg = str(err.value)
    assert "条款「6.2.1.1.1 接到顾客投诉后能够处理并答复」已被" in msg and "您对该条款的修改未保存" in msg
    assert "「经验级：接到顾客投诉后能够处理并答复」（空） → 2" in msg and "每周汇总投诉。" in msg
    state = clauses.clause_states(user, rid)["c621_11"]
    assert state.version == 1 and state.data["c621_11_desc"] == "每周汇总投诉。"     # nothing overwritten
    assert clauses.save_clause(user, rid, "c621_11", other, 1) == 2                  # after refreshing: saved
    assert clauses.clause_states(user, rid)["c621_11"].data["c621_11_conf"] == "1"


def test_different_clauses_save_independently(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    assert clauses.save_clause(user, rid, "c621_11", clause("c621_11"), 0) == 1
    assert clauses.save_clause(user, rid, "c631_11", clause("c631_11"), 0) == 1     # another person, 6.3
    assert clauses.save_clause(user, rid, "c621_12", clause("c621_12", "0"), 0) == 1
    states = clauses.clause_states(user, rid)
    assert {k: s.version for k, s in states.items()} == {"c621_11": 1, "c631_11": 1, "c621_12": 1}
    with session_scope() as s:
        merged = responses.answers_of(s, rid)
    assert merged["c631_11_conf"] == "2" and merged["c621_12_conf"] == "0"
    ind = {i.name: i for i in grade(model(), merged).indicators}
    assert ind["6.2.1 顾客需求关注"].done == 2 and ind["6.3.1 数字化基础条件"].done == 1


def test_a_clause_saves_only_its_own_answers_and_its_rules(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    sneaky = {**clause("c621_11"), "c622_11_conf": "2"}
    clauses.save_clause(user, rid, "c621_11", sneaky, 0)
    assert "c622_11_conf" not in clauses.clause_states(user, rid)["c621_11"].data
    with pytest.raises(ValidationFailed) as err:                                    # 符合 without evidence
        clauses.save_clause(user, rid, "c621_12", clause("c621_12", "2", files=None), 0)
    assert err.value.problems == {"c621_12_files": ["佐证材料：必填项，请填写。"]}
    assert clauses.save_clause(user, rid, "c621_12", clause("c621_12", "2", files=None), 0, complete=False) == 1  # 暂存
    with pytest.raises(NotFound, match="评估中没有条款「p01」"):
        clauses.save_clause(user, rid, "p01", {}, 0)


def test_another_enterprise_cannot_save(response) -> None:  # type: ignore[no-untyped-def]
    _, rid = response
    stranger, _ = make_enterprise_user("320102")
    with pytest.raises(NotFound):
        clauses.save_clause(stranger, rid, "c621_11", clause("c621_11"), 0)


def _race(user, rid: int, names: list[str]) -> list[object]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(names))
    out: list[object] = [None] * len(names)

    def run(i: int, name: str) -> None:
        barrier.wait()
        try:
            out[i] = clauses.save_clause(user, rid, name, clause(name, "2", f"第 {i} 个会话"), 0)
        except Conflict as exc:
            out[i] = exc
    threads = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_threaded_race_on_one_clause_saves_exactly_once(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    out = _race(user, rid, ["c633_21"] * 4)
    assert sorted(type(x).__name__ for x in out) == ["Conflict", "Conflict", "Conflict", "int"]
    winner = next(i for i, x in enumerate(out) if isinstance(x, int))
    with session_scope() as s:
        rows = s.scalars(select(ResponseSection).where(ResponseSection.response_id == rid)).all()
    assert [(r.section, r.version, r.data["c633_21_desc"]) for r in rows] == [("clause:c633_21", 1, f"第 {winner} 个会话")]


def test_threaded_race_on_different_clauses_saves_all(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    names = ["c621_11", "c631_11", "c641_11", "c626_52"]
    assert _race(user, rid, names) == [1, 1, 1, 1]
    assert set(clauses.clause_states(user, rid)) == set(names)


def test_a_graded_section_cannot_be_saved_whole(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    with pytest.raises(Conflict, match="「6.2 质量管理体系的有效性」的条款须逐条保存"):
        responses.save_section(user, rid, "q62", clause("c621_11"), 0)
    version, _ = responses.save_section(user, rid, "perf", {"p01_cost": 5}, 0, complete=False)  # 质量绩效: a section
    assert version == 1


def test_a_double_submit_saves_once(response) -> None:  # type: ignore[no-untyped-def]
    user, rid = response
    answers = clause("c634_41", "1", "建立了预警模型，尚未覆盖全部产品。")
    assert clauses.save_clause(user, rid, "c634_41", answers, 0) == 1
    assert clauses.save_clause(user, rid, "c634_41", answers, 0) == 1      # the same click again: no new version
    with session_scope() as s:
        row = s.get(ResponseSection, (rid, "clause:c634_41"))
        assert row is not None and row.version == 1


def test_the_page_snapshot_reads_what_the_services_read(db: str) -> None:
    """``quality.snapshot`` (one read transaction, plain columns) returns the same answers, clause versions
    and performance-section version as ``responses.get_response`` + ``clauses.clause_states``; another
    enterprise's attempt looks absent."""
    from services.assessment import flow, quality
    from tests.quality.test_graded import _perf
    national = make_admin(None)
    definitions.publish(national, definitions.save_draft(national, raw()))
    user, _ = make_enterprise_user("320102", background=False)
    aid = flow.start(quality.KIND, user, [])
    rid = flow.get(quality.KIND, user, aid).response_id
    assert clauses.save_clause(user, rid, "c621_11", clause("c621_11"), 0) == 1
    assert clauses.save_clause(user, rid, "c621_11", clause("c621_11", "1", "改过。"), 1) == 2
    assert clauses.save_clause(user, rid, "c631_11", clause("c631_11", "0"), 0) == 1
    responses.save_section(user, rid, "perf", _perf(), 0)
    snap = quality.snapshot(user, aid)
    view = responses.get_response(user, rid)
    assert snap.answers == view.answers and snap.answers["c621_11_desc"] == "改过。"
    assert snap.clause_states == clauses.clause_states(user, rid)
    assert {k: s.version for k, s in snap.clause_states.items()} == {"c621_11": 2, "c631_11": 1}
    assert snap.perf_version == view.sections["perf"].version == 1
    assert snap.attempt == flow.get(quality.KIND, user, aid) and snap.definition.assessment is not None
    other, _ = make_enterprise_user("320102", background=False)
    with pytest.raises(NotFound):
        quality.snapshot(other, aid)
