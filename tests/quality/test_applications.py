"""发起评估申请 and its workflow (SQLite and PostgreSQL): the form's rules, only after a completed
self-assessment, one open application per assessment, every transition with its rules, and scoping —
an assessor of agency A never sees or acts on agency B's application; an enterprise never another's."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

import clock
from db.engine import session_scope
from db.notify import Notification
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.quality import agencies, applications as apps
from tests.quality.dialogue import agency, assessor, attempt, colleague, enterprise, publish_model

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def world(db: str):  # type: ignore[no-untyped-def]
    publish_model()
    user, aid = enterprise()
    a, b = agency(), agency()
    return user, aid, a, b, assessor(a), assessor(b)


def _apply(user, aid: int, agency_id: int, **over) -> int:  # type: ignore[no-untyped-def]
    args = {"contact": "李四", "phone": "13912345678", "expected": clock.today() + dt.timedelta(days=7),
            "remarks": "希望尽快安排。", **over}
    return apps.apply(user, aid, agency_id, **args)


def _titles(account_id: int) -> list[str]:
    with session_scope() as s:
        return list(s.scalars(select(Notification.title).where(Notification.account_id == account_id)
                              .order_by(Notification.id)))


def test_form_rules_name_their_fields(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, _pa, _pb = world
    with clock.travel(dt.datetime(2026, 12, 3, 0, 30, tzinfo=clock.CHINA)):   # 00:30 China time = 12-02 UTC
        p = apps.form_problems(None, "", "12345", TODAY - dt.timedelta(days=1), "备" * 501)
        assert p["评估机构"] == ["评估机构：必填，请选择一家第三方评估机构。"]
        assert p["联系人"] == ["联系人：必填，请填写联系人姓名。"]
        assert p["联系电话"][0].startswith("联系电话：须为以 1 开头的 11 位手机号")
        assert p["期望评估日期"] == ["期望评估日期：须在今天（北京时间 2026-12-03）至 365 天内。"]
        assert p["备注"] == ["备注：长度不能超过 500 个字符（当前 501 个）。"]
        ok = apps.form_problems(a, "李四", "025-12345678", TODAY, "")
        assert not any(ok.values())                                                 # today (China) and a landline
        assert apps.form_problems(a, "李四", "13912345678", TODAY + dt.timedelta(days=366), "")["期望评估日期"]
        assert apps.form_problems(a, "李" * 33, "13912345678", TODAY, "")["联系人"]
        with pytest.raises(ValidationFailed) as err:
            apps.apply(user, aid, a, "李四", "1391234567", TODAY)
        assert list(err.value.problems) == ["联系电话"]


def test_only_completed_assessments_and_approved_agencies(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, _pa, _pb = world
    other, _ = enterprise()
    with pytest.raises(NotFound):
        _apply(other, aid, a)                                  # another enterprise's assessment
    pending_agency, not_agency = agency("pending"), enterprise()[0].org_id
    for bad in (pending_agency, not_agency):
        with pytest.raises(ValidationFailed, match="评估机构：请从列表中选择"):
            _apply(user, aid, bad)
    assert a in dict(agencies.choices()) and pending_agency not in dict(agencies.choices())
    fresh, _org = enterprise()
    running = attempt(fresh, completed=False)
    with pytest.raises(Conflict, match="只有已完成"):
        _apply(fresh, running, a)
    assert [x.id for x in apps.completed_attempts(user)] == [aid]


def test_the_whole_chain_with_history_and_notices(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, pa, _pb = world
    app_id = _apply(user, aid, a, request_id="apply-1")
    assert _apply(user, aid, a, request_id="apply-1") == app_id                     # double submit: once
    assert _titles(pa.account_id) == ["收到新的评估申请"]
    with pytest.raises(Conflict, match="已有一份待受理或评估中的评估申请"):
        _apply(user, aid, a)                                                        # one open per assessment
    view = apps.get(user, app_id)
    assert (view.status, view.status_label, view.agency_id, view.attempt_level) == ("submitted", "待受理", a, "检验级")
    with pytest.raises(ValidationFailed, match="拒绝原因：必填"):
        apps.decline(pa, app_id, " ")
    apps.accept(pa, app_id, request_id="acc-1")
    apps.accept(pa, app_id, request_id="acc-1")                                     # replay: nothing
    assert apps.get(pa, app_id).holder == pa.display_name
    with pytest.raises(Conflict, match="不能撤回"):
        apps.withdraw(user, app_id)
    with pytest.raises(Conflict, match="不能拒绝"):
        apps.decline(pa, app_id, "时间排不开")
    with pytest.raises(Conflict, match="已有一份待受理或评估中"):
        _apply(user, aid, a)                                                        # accepted is still open
    choices = apps.tier_choices(pa, app_id)
    assert choices[0] == (5, "卓越级") and choices[-1] == (0, "未达到经验级")
    with pytest.raises(ValidationFailed, match="评估等级：请从"):
        apps.evaluate(pa, app_id, 6, "结论文字")
    with pytest.raises(ValidationFailed, match="评估结论：必填"):
        apps.evaluate(pa, app_id, 3, "")
    apps.evaluate(pa, app_id, 3, "体系运行有效，建议加强数据分析。")
    done = apps.get(user, app_id)
    assert (done.status_label, done.result_label, done.conclusion) == ("已评估", "保证级", "体系运行有效，建议加强数据分析。")
    assert done.evaluated_at and not done.open
    with pytest.raises(Conflict, match="不能记录评估结果"):
        apps.evaluate(pa, app_id, 4, "再评一次")
    steps = [(h.action, h.from_state, h.to_state, h.actor) for h in apps.history(user, app_id)]
    assert steps == [("提交申请", "草稿", "待受理", user.display_name), ("受理", "待受理", "评估中", pa.display_name),
                     ("记录评估结果", "评估中", "已评估", pa.display_name)]
    assert _titles(user.account_id) == ["评估申请已受理", "评估结果已出具"]
    with session_scope() as s:
        body = s.scalar(select(Notification.body).where(Notification.title == "评估结果已出具"))
    assert "评估等级：保证级" in (body or "")
    again = _apply(user, aid, a)                                                    # closed: a new one is allowed
    assert again != app_id


def test_decline_needs_a_reason_and_frees_the_assessment(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, pa, _pb = world
    app_id = _apply(user, aid, a)
    apps.decline(pa, app_id, "本月评估排期已满")
    [row] = [h for h in apps.history(user, app_id) if h.action == "拒绝"]
    assert (row.reason, row.to_state) == ("本月评估排期已满", "已拒绝")
    assert _titles(user.account_id) == ["评估申请未被受理"]
    with pytest.raises(Conflict, match="不能受理"):
        apps.accept(pa, app_id)
    _apply(user, aid, a)


def test_withdraw_only_by_the_submitter_while_submitted(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, pa, _pb = world
    app_id = _apply(user, aid, a)
    with pytest.raises(PermissionDenied):
        apps.withdraw(colleague(user), app_id)                                      # same enterprise, not the submitter
    with pytest.raises(NotFound):
        apps.withdraw(enterprise()[0], app_id)                                      # another enterprise
    with pytest.raises(PermissionDenied):
        apps.withdraw(pa, app_id)
    apps.withdraw(user, app_id)
    assert apps.get(user, app_id).status_label == "已撤回"
    with pytest.raises(Conflict, match="不能受理"):
        apps.accept(pa, app_id)
    with pytest.raises(PermissionDenied, match="已撤回"):
        apps.assessor_snapshot(pa, app_id)
    _apply(user, aid, a)                                                            # withdrawn: apply again


def test_an_assessor_sees_only_their_agencys_applications(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, b, pa, pb = world
    app_id = _apply(user, aid, a)
    assert [x.id for x in apps.queue(pa)] == [app_id] and apps.queue(pb) == []
    assert [x.id for x in apps.queue(pa, "submitted")] == [app_id] and apps.queue(pa, "accepted") == []
    for call in (lambda: apps.get(pb, app_id), lambda: apps.history(pb, app_id), lambda: apps.accept(pb, app_id),
                 lambda: apps.decline(pb, app_id, "不是我们的"), lambda: apps.assessor_snapshot(pb, app_id),
                 lambda: apps.tier_choices(pb, app_id)):
        with pytest.raises(NotFound):
            call()
    apps.accept(pa, app_id)
    with pytest.raises(NotFound):
        apps.evaluate(pb, app_id, 3, "越权评估")
    lone = assessor(None)                                                           # an assessor of no agency
    with pytest.raises(PermissionDenied, match="不属于任何评估机构"):
        apps.queue(lone)
    with pytest.raises(PermissionDenied):
        apps.queue(user)
    other, _ = enterprise()
    with pytest.raises(NotFound):
        apps.get(other, app_id)
    assert apps.mine(other) == [] and [x.id for x in apps.mine(user)] == [app_id]
    snap = apps.assessor_snapshot(pa, app_id)
    assert snap.attempt.id == aid and snap.attempt.org_id == user.org_id and snap.definition.code == "quality_capability"


def test_two_assessors_accepting_at_once_one_wins(world) -> None:  # type: ignore[no-untyped-def]
    user, aid, a, _b, pa, _pb = world
    pa2 = assessor(a)
    app_id = _apply(user, aid, a)
    barrier, results = threading.Barrier(2), []

    def go(who) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            apps.accept(who, app_id)
            results.append("ok")
        except Conflict as exc:
            results.append(str(exc))
    threads = [threading.Thread(target=go, args=(x,)) for x in (pa, pa2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] == "ok" and results.count("ok") == 1
    [lost] = [r for r in results if r != "ok"]
    assert "不能受理" in lost and "其他评估师" in lost
    assert [h.action for h in apps.history(user, app_id)] == ["提交申请", "受理"]


def test_demo_agency_is_seeded_once_with_the_demo_assessor(world) -> None:  # type: ignore[no-untyped-def]
    from services.identity.accounts import create_account
    from tests.factories import PASSWORD
    assert agencies.seed_demo_agency() == 0                                         # no demo assessor: nothing
    create_account("assessor", PASSWORD, ["assessor"], display_name="评估师")
    assert agencies.seed_demo_agency() == 1 and agencies.seed_demo_agency() == 0
    from tests.factories import actor_of
    demo = actor_of("assessor")
    assert agencies.agency_name(demo) == agencies.DEMO_AGENCY
    assert agencies.DEMO_AGENCY in dict(agencies.choices()).values()
