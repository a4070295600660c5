"""The workflow engine on a small inline workflow (both engines): every transition, return to an
earlier step with a reason, withdraw by the submitter, the holder rules, and two concurrent
transitions on one item (real sessions in threads: one wins, the other gets a clear conflict)."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from db.audit import AuditLog
from db.engine import session_scope
from db.notify import Notification
from db.organisation import Organisation
from db.workflow import WorkflowInstance, WorkflowTransition
from services.identity.accounts import create_account
from services.core.errors import Conflict, PermissionDenied, ServiceError, ValidationFailed
from services.core.permissions import Actor
from services.reference import region_path
from services.workflow import engine
from services.workflow.definitions import parse
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user, make_org

THING = {
    "code": "thing", "title": "测试事项", "subject": "test_thing",
    "states": {"draft": "草稿", "submitted": "已提交", "checked": "已初审", "done": "已办结", "cancelled": "已作废"},
    "initial": "draft", "terminal": ["done", "cancelled"],
    "actions": [
        {"code": "submit", "label": "提交", "from": ["draft"], "to": "submitted", "permission": "org.manage_own",
         "who": ["owner"], "submits": True, "holder": "set",
         "notify": [{"to": "new_holder", "title": "「{name}」待初审", "body": "{actor} 提交"}]},
        {"code": "withdraw", "label": "撤回", "from": ["submitted"], "to": "draft", "permission": "org.manage_own",
         "who": ["submitter"], "holder": "clear"},
        {"code": "check", "label": "初审通过", "from": ["submitted"], "to": "checked", "permission": "org.review",
         "who": ["level_above"], "holder": "set"},
        {"code": "finish", "label": "办结", "from": ["checked"], "to": "done", "permission": "org.review",
         "who": ["holder"], "holder": "clear", "conflict": "「{name}」当前为「{state}」，已不在等待您办结。",
         "notify": [{"to": "owner", "title": "「{name}」已办结"}]},
        {"code": "send_back", "label": "退回", "from": ["submitted", "checked"], "to": "earlier",
         "permission": "org.review", "who": ["holder", {"rule": "jurisdiction", "states": ["submitted"]}],
         "reason": {"required": True, "max": 20, "label": "退回原因"}},
        {"code": "cancel", "label": "作废", "from": ["draft", "submitted", "checked"], "to": "cancelled",
         "permission": "system.admin", "who": [{"role": "sysadmin"}]},
    ],
}
WF, problems = parse(THING, "inline")
assert WF is not None, problems
engine.register_subject(engine.Subject("test_thing", Organisation, WF, name=lambda o: o.name,
                                       region=lambda o: region_path(o.region_code), owner_org=lambda o: o.id))


class People:
    def __init__(self) -> None:
        self.ent, self.org_id = make_enterprise_user("320102")
        create_account(f"qyb{self.org_id}", PASSWORD, ["enterprise"], org_id=self.org_id, phone="13800000001")
        self.colleague = actor_of(f"qyb{self.org_id}")            # same organisation, did not submit
        self.other_ent, _ = make_enterprise_user("320102")       # another organisation
        self.county = make_admin("320102")                       # 玄武区
        self.city = make_admin("320100")                         # 南京市
        self.other_city = make_admin("320200")                   # 无锡市
        self.province = make_admin("320000")
        create_account(f"sys{self.org_id}", PASSWORD, ["sysadmin"])
        self.sysadmin = actor_of(f"sys{self.org_id}")


@pytest.fixture
def people(db: str) -> People:
    return People()


def act(org_id: int, action: str, actor: Actor | None, **kw: Any) -> engine.Step:
    with session_scope() as s:
        org = s.get(Organisation, org_id)
        return engine.transition(s, "test_thing", org, action, actor, **kw)


def state(org_id: int) -> tuple[str, int | None, str | None, int | None]:
    with session_scope() as s:
        i = s.scalar(select(WorkflowInstance).where(WorkflowInstance.subject_type == "test_thing",
                                                    WorkflowInstance.subject_id == org_id))
        assert i is not None
        return i.state, i.holder_id, i.holder_level, i.submitter_id


def test_every_transition_with_history_audit_and_notifications(people: People) -> None:
    p, oid = people, people.org_id
    act(oid, "submit", p.ent, holder=(p.county.account_id, "county"))
    assert state(oid) == ("submitted", p.county.account_id, "county", p.ent.account_id)
    act(oid, "withdraw", p.ent)
    assert state(oid) == ("draft", None, None, p.ent.account_id)
    act(oid, "submit", p.ent, holder=(p.county.account_id, "county"))
    act(oid, "check", p.city, holder=(p.city.account_id, "city"))
    assert state(oid)[:3] == ("checked", p.city.account_id, "city")
    act(oid, "send_back", p.city, reason="  补充材料  ", to_state="submitted")
    assert state(oid)[:3] == ("submitted", p.city.account_id, "city")   # the holder stays: the level above is now the province
    act(oid, "check", p.province, holder=(p.province.account_id, "province"))
    act(oid, "finish", p.province)
    assert state(oid)[:2] == ("done", None)
    with session_scope(read=True) as s:
        rows = engine.history(s, "test_thing", oid)
        audits = list(s.scalars(select(AuditLog.action).where(AuditLog.target_type == "test_thing",
                                                              AuditLog.target_id == str(oid)).order_by(AuditLog.id)))
        notes: dict[str, set[int]] = {}
        for n in s.scalars(select(Notification)):
            notes.setdefault(n.title, set()).add(n.account_id)
    assert [(r.action, r.from_state, r.to_state, r.reason) for r in rows] == [
        ("提交", "草稿", "已提交", ""), ("撤回", "已提交", "草稿", ""), ("提交", "草稿", "已提交", ""),
        ("初审通过", "已提交", "已初审", ""), ("退回", "已初审", "已提交", "补充材料"),
        ("初审通过", "已提交", "已初审", ""), ("办结", "已初审", "已办结", "")]
    assert rows[0].actor == p.ent.display_name and rows[0].holder == p.county.display_name and rows[0].at
    assert rows[-1].as_row()["状态"] == "已初审 → 已办结"
    assert audits == ["thing.submit", "thing.withdraw", "thing.submit", "thing.check", "thing.send_back", "thing.check",
                      "thing.finish"]
    with session_scope(read=True) as s:
        org_name = s.get(Organisation, oid).name  # type: ignore[union-attr]
    assert notes == {f"「{org_name}」待初审": {p.county.account_id},                     # new_holder
                     f"「{org_name}」已办结": {p.ent.account_id, p.colleague.account_id}}  # owner: every account
    # a terminal state: nothing leaves it
    with pytest.raises(Conflict, match="已办结"):
        act(oid, "cancel", p.sysadmin)


def test_return_to_an_earlier_step_needs_a_reason_of_bounded_length(people: People) -> None:
    p, oid = people, people.org_id
    act(oid, "submit", p.ent, holder=(p.county.account_id, "county"))
    act(oid, "check", p.city, holder=(p.city.account_id, "city"))
    with pytest.raises(ValidationFailed, match="退回原因：必填项"):
        act(oid, "send_back", p.city, reason="   ", to_state="draft")
    with pytest.raises(ValidationFailed, match="不能超过 20 个字符"):
        act(oid, "send_back", p.city, reason="字" * 21, to_state="draft")
    with pytest.raises(ValidationFailed, match="只能退回到已经过的步骤（草稿、已提交）"):
        act(oid, "send_back", p.city, reason="太早", to_state="done")
    act(oid, "send_back", p.city, reason="字" * 20, to_state="draft")  # any earlier step, here the first
    assert state(oid)[0] == "draft"
    with session_scope(read=True) as s:
        assert engine.history(s, "test_thing", oid)[-1].reason == "字" * 20


def test_withdraw_by_the_submitter_only(people: People) -> None:
    p, oid = people, people.org_id
    act(oid, "submit", p.ent, holder=(p.county.account_id, "county"))
    for someone in (p.colleague, p.other_ent):   # same organisation but not the submitter; another one
        with pytest.raises(PermissionDenied):
            act(oid, "withdraw", someone)
    act(oid, "withdraw", p.ent)
    with pytest.raises(Conflict, match="当前状态为「草稿」，不能撤回"):
        act(oid, "withdraw", p.ent)


def test_holder_rules(people: People) -> None:
    p, oid = people, people.org_id
    with pytest.raises(PermissionDenied):                     # owner: another organisation's account
        act(oid, "submit", p.other_ent, holder=(p.county.account_id, "county"))
    with pytest.raises(PermissionDenied):                     # owner needs the permission too
        act(oid, "submit", p.county, holder=(p.county.account_id, "county"))
    act(oid, "submit", p.colleague, holder=(p.county.account_id, "county"))
    for wrong in (p.county, p.province, p.other_city):       # level above the county holder: this city only
        with pytest.raises(PermissionDenied):
            act(oid, "check", wrong, holder=(wrong.account_id, "city"))
    act(oid, "check", p.city, holder=(p.city.account_id, "city"))
    with pytest.raises(Conflict, match="已不在等待您办结"):     # holder: the item waits for the city, not the county
        act(oid, "finish", p.county)
    with pytest.raises(Conflict):                            # in `checked` only the holder may send it back
        act(oid, "send_back", p.province, reason="再看看", to_state="submitted")
    with pytest.raises(PermissionDenied):                    # role: only a sysadmin cancels
        act(oid, "cancel", p.province)
    act(oid, "cancel", p.sysadmin)
    assert state(oid)[0] == "cancelled"
    other = make_org("320102", status="approved")
    act(other, "submit", actor_of_org(other), holder=(p.county.account_id, "county"))
    act(other, "send_back", p.province, reason="资料不全", to_state="draft")  # jurisdiction, limited to `submitted`
    assert state(other)[0] == "draft"


def actor_of_org(org_id: int) -> Actor:
    create_account(f"qyc{org_id}", PASSWORD, ["enterprise"], org_id=org_id, phone="13800000002")
    return actor_of(f"qyc{org_id}")


def test_concurrent_transitions_on_one_item_one_wins(people: People) -> None:
    """Two reviewers act on the same submitted items at the same moment, each in its own session and
    thread: for every item exactly one transition is written, the other gets a Chinese Conflict."""
    p = people
    items = [p.org_id] + [make_org("320102", status="approved") for _ in range(5)]
    for oid in items[1:]:
        act(oid, "submit", actor_of_org(oid), holder=(p.county.account_id, "county"))
    act(items[0], "submit", p.ent, holder=(p.county.account_id, "county"))
    for oid in items:
        results: list[Any] = []
        start = threading.Barrier(2)

        def run(action: str, actor: Actor, kw: dict[str, Any], oid: int = oid) -> None:
            start.wait(timeout=60)
            with session_scope() as s:   # load (as a service does), then race for the transition
                org = s.get(Organisation, oid)
                try:
                    results.append(engine.transition(s, "test_thing", org, action, actor, **kw).action)
                except ServiceError as exc:
                    results.append(exc)

        threads = [threading.Thread(target=run, args=("check", p.city, {"holder": (p.city.account_id, "city")})),
                   threading.Thread(target=run, args=("send_back", p.county, {"reason": "重填", "to_state": "draft"}))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wins = [r for r in results if isinstance(r, str)]
        losses = [r for r in results if not isinstance(r, str)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert isinstance(losses[0], Conflict) and "当前状态为" in str(losses[0]) and "请刷新" in str(losses[0])
        with session_scope(read=True) as s:
            steps = s.scalar(select(func.count()).select_from(WorkflowTransition)
                             .join(WorkflowInstance, WorkflowInstance.id == WorkflowTransition.instance_id)
                             .where(WorkflowInstance.subject_type == "test_thing", WorkflowInstance.subject_id == oid))
        assert steps == 2                                   # 提交 + the winner
        assert state(oid)[0] == ("checked" if wins[0] == "check" else "draft")
