"""The tier-based assessment flow on a small inline model (tests/assessment/model.py), on SQLite and
PostgreSQL: tiers and gates, tailoring, attempt limits per China-time period under fixed dates,
assessor-only sections, results per declared dimension; and the self-diagnosis' finish as one transaction."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import clock
from db.assessment import AssessmentAttempt, AssessmentResult
from db.audit import AuditLog
from db.cmmm import Diagnosis
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from services.assessment import flow
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.forms import definitions, responses
from services.core.permissions import P_QUALITY_FILL
from tests.assessment.model import DOC, tier_answers
from tests.factories import make_admin, make_enterprise_user

KIND = flow.Kind("quality_mini", P_QUALITY_FILL)


@pytest.fixture
def mini(db: str) -> int:
    national = make_admin(None)
    vid = definitions.save_draft(national, DOC)
    definitions.publish(national, vid)
    return vid


def _run(user, aid: int, values: list[str], tailored: bool = False) -> list[flow.TierOutcome]:  # type: ignore[no-untyped-def]
    out = []
    for level, value in enumerate(values, 1):
        out.append(flow.submit_tier(KIND, user, aid, level, tier_answers(f"t{level}", value, tailored), 0))
        if not out[-1].achieved:
            break
    return out


def test_tiers_gates_and_results_per_dimension(mini: int) -> None:
    user, org_id = make_enterprise_user("320102")
    aid = flow.start(KIND, user, [])
    with pytest.raises(Conflict, match="当前等级"):
        flow.submit_tier(KIND, user, aid, 2, tier_answers("t2", "2"), 0)
    first, second = _run(user, aid, ["2", "1"])
    assert (first.achieved, first.next_section, first.score) == (True, "t2", 1.0)
    assert "即将进入检验级" in first.message
    assert (second.achieved, second.next_section, second.score) == (False, "done", 0.5)  # 0.5 < gate 0.6
    assert "未达到本级要求（0.60）" in second.message
    with pytest.raises(Conflict):  # the third tier is closed once a gate is missed
        flow.submit_tier(KIND, user, aid, 3, tier_answers("t3", "2"), 0)
    view = flow.finish(KIND, user, aid, None, 0)
    assert (view.status, view.status_label, view.level, view.level_label) == ("completed", "已完成", 1, "经验级")
    assert view.total_score == pytest.approx(1.5) and view.level_scores == {"t1": 1.0, "t2": 0.5}
    with session_scope() as s:
        rows = {(r.dimension, r.key): r.value for r in s.scalars(select(AssessmentResult)
                                                                 .where(AssessmentResult.attempt_id == aid))}
    assert rows == {("tier", "t1"): 10000, ("tier", "t2"): 5000,
                    ("indicator", "领导作用"): 7500, ("indicator", "过程控制"): 7500}
    other, _ = make_enterprise_user("320102")
    aid2 = flow.start(KIND, other, [])
    _run(other, aid2, ["0"])
    assert flow.finish(KIND, other, aid2, None, 0).level_label == "未达到经验级"
    assert flow.dimension_averages(KIND, "indicator") == {"领导作用": pytest.approx(0.375), "过程控制": pytest.approx(0.375)}
    with pytest.raises(Conflict, match="已完成"):
        flow.save(KIND, user, aid, "t1", {}, 1)


def test_all_tiers_passed(mini: int) -> None:
    user, _ = make_enterprise_user()
    aid = flow.start(KIND, user, [])
    outcomes = _run(user, aid, ["2", "2", "2"])
    assert [o.next_section for o in outcomes] == ["t2", "t3", "done"] and "3个等级已全部完成" in outcomes[-1].message
    view = flow.finish(KIND, user, aid, None, 0)
    assert (view.level, view.level_label, view.total_score) == (3, "保证级", 3.0)


def test_tailoring_is_declared_and_leaves_the_denominator(mini: int) -> None:
    user, _ = make_enterprise_user()
    with pytest.raises(ValidationFailed, match="不能裁剪"):
        flow.start(KIND, user, ["lead"])
    aid = flow.start(KIND, user, ["process"])
    assert flow.get(KIND, user, aid).tailoring == ["process"]
    outcome = flow.submit_tier(KIND, user, aid, 1, tier_answers("t1", "2", tailored=True), 0)
    assert outcome.achieved and outcome.score == 1.0  # the tailored indicator was neither asked nor counted
    _run_rest = flow.submit_tier(KIND, user, aid, 2, tier_answers("t2", "0", tailored=True), 0)
    assert not _run_rest.achieved
    flow.finish(KIND, user, aid, None, 0)
    with session_scope() as s:
        keys = set(s.scalars(select(AssessmentResult.key).where(AssessmentResult.attempt_id == aid,
                                                                AssessmentResult.dimension == "indicator")))
    assert keys == {"领导作用"}


def test_attempt_limit_per_china_quarter(mini: int) -> None:
    user, _ = make_enterprise_user()
    # 23:30 on 31 March in China is 15:30 UTC: still the first quarter either way
    with clock.travel(dt.datetime(2026, 3, 31, 23, 30, tzinfo=clock.CHINA), freeze=True):
        first = flow.start(KIND, user, [])
        with pytest.raises(Conflict, match="进行中"):
            flow.start(KIND, user, [])
        flow.abandon(KIND, user, first)  # abandoned ones do not count
        for _ in range(2):
            aid = flow.start(KIND, user, [])
            _run(user, aid, ["0"])
            flow.finish(KIND, user, aid, None, 0)
        with pytest.raises(Conflict, match="每个季度最多进行 2 次质量自评（北京时间 2026Q1 已进行 2 次）"):
            flow.start(KIND, user, [])
    # 00:10 on 1 April in China is still 31 March in UTC: the limit follows China time
    with clock.travel(dt.datetime(2026, 4, 1, 0, 10, tzinfo=clock.CHINA), freeze=True):
        aid = flow.start(KIND, user, [])
    with session_scope() as s:
        assert s.get(AssessmentAttempt, aid).period_key == "2026Q2"  # type: ignore[union-attr]


def test_assessor_only_section(mini: int) -> None:
    user, org_id = make_enterprise_user("320102")
    aid = flow.start(KIND, user, [])
    _run(user, aid, ["2", "0"])
    view = flow.get(KIND, user, aid)
    with pytest.raises(PermissionDenied, match="只能由评审员填写"):
        flow.save(KIND, user, aid, "review", {"review_comment": "自己写的评审"}, 0)
    with pytest.raises(PermissionDenied, match="只能由评审员填写"):  # nor through the generic form service
        responses.save_section(user, view.response_id, "review", {"review_comment": "自己写的评审"}, 0)
    flow.finish(KIND, user, aid, None, 0)  # the assessor's required comment is not the enterprise's to give
    outsider = make_admin("320500", role="assessor")
    with pytest.raises(NotFound):
        flow.assess(KIND, outsider, aid, "review", {"review_comment": "越权"}, 0)
    assessor = make_admin("320100", role="assessor")
    with pytest.raises(PermissionDenied):
        flow.assess(KIND, assessor, aid, "t1", tier_answers("t1", "0"), 1)
    with pytest.raises(ValidationFailed):
        flow.assess(KIND, assessor, aid, "review", {}, 0)  # its own rules still hold
    assert flow.assess(KIND, assessor, aid, "review", {"review_comment": "证据充分，同意经验级。"}, 0) == 1
    with pytest.raises(Conflict, match="修改并保存"):  # a second assessor on a stale copy
        flow.assess(KIND, assessor, aid, "review", {"review_comment": "覆盖"}, 0)
    with session_scope() as s:
        data = s.scalar(select(ResponseSection.data).where(ResponseSection.response_id == view.response_id,
                                                           ResponseSection.section == "review"))
    assert data == {"review_comment": "证据充分，同意经验级。"}


def test_self_diagnosis_finish_is_one_transaction(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The statistics update (the last step of finishing) fails: nothing of the finish is written."""
    from services.cmmm import diagnosis as dx
    from services.stats import cmmm_stats
    from tests.cmmm.conftest import EFFECTIVENESS, run_levels
    definitions.sync_specs()
    user, _ = make_enterprise_user()
    did = dx.start(user, [])
    run_levels(user, did, ["0"])

    def broken(session, d):  # type: ignore[no-untyped-def]
        raise RuntimeError("statistics down")
    monkeypatch.setattr(cmmm_stats, "on_completed", broken)
    with pytest.raises(RuntimeError):
        dx.finish(user, did, EFFECTIVENESS, 0)
    view = dx.get(user, did)
    with session_scope() as s:
        r = s.get(FormResponse, view.response_id)
        assert r is not None and r.status == "draft" and r.submitted_at is None
        assert s.scalar(select(ResponseSection).where(ResponseSection.response_id == r.id,
                                                      ResponseSection.section == "effectiveness")) is None
        row = s.get(Diagnosis, did)
        assert row is not None and (row.status, row.total_score, row.is_latest) == ("in_progress", None, False)
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.in_(["response.submitted", "cmmm.completed"]))) == 0
    monkeypatch.undo()
    assert dx.finish(user, did, EFFECTIVENESS, 0).status == "completed"  # nothing half-done blocks the retry
