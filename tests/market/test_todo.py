"""我的待办: 待我审批 by the approval definition's rules, 我的申请 of one's own organisation with filters."""
from __future__ import annotations

import datetime as dt

import clock

from db.engine import session_scope
from db.market import Listing, ListingVersion
from db.workflow import WorkflowInstance
from services.market import todo
from tests.factories import make_admin, make_org
from tests.market.factories import make_person, make_provider, people


def version(org_id: int, state: str, name: str, holder: int | None = None, by: int | None = None) -> int:
    with session_scope() as s:
        listing = Listing(org_id=org_id, created_by=by)
        s.add(listing)
        s.flush()
        v = ListingVersion(listing_id=listing.id, version_no=1, status=state, name=name, holder_id=holder,
                           created_by=by)
        s.add(v)
        s.flush()
        s.add(WorkflowInstance(workflow="listing_approval", subject_type="listing_version", subject_id=v.id,
                               state=state, holder_id=holder, submitter_id=by, row_version=1))
        return v.id


def test_waiting_for_me_follows_role_and_holder(db: str) -> None:
    p = people()
    other_expert = make_person("expert")
    a = version(p.provider_org, "operator_review", "甲方案", by=p.provider.account_id)
    b = version(p.provider_org, "expert_review", "乙方案", holder=p.expert.account_id, by=p.provider.account_id)
    c = version(p.provider_org, "final_review", "丙方案", by=p.provider.account_id)
    version(p.provider_org, "draft", "丁方案", by=p.provider.account_id)
    _, pending_provider = make_provider(status="pending")
    make_org("370102", status="pending")   # an enterprise: not the operator's
    op = todo.waiting_for_me(p.operator)
    assert [(i.kind, i.id) for i in op] == [("listing_version", a), ("registration", pending_provider)]
    assert op[0].status_label == "运营初审" and op[0].applicant == p.provider.display_name
    assert [i.id for i in todo.waiting_for_me(p.expert)] == [b]
    assert todo.waiting_for_me(other_expert) == []
    assert [i.id for i in todo.waiting_for_me(p.final)] == [c]
    assert todo.waiting_for_me(p.provider) == [] and todo.waiting_for_me(p.buyer) == []
    admin = make_admin("370102")
    assert [i.kind for i in todo.waiting_for_me(admin)] == ["registration"]


def test_my_applications_are_my_orgs_only_with_filters(db: str) -> None:
    p = people()
    other, other_org = make_provider()
    version(p.provider_org, "operator_review", "智能排产方案", by=p.provider.account_id)
    version(p.provider_org, "returned", "设备上云方案", by=p.provider.account_id)
    version(other_org, "operator_review", "别家的方案", by=other.account_id)
    mine = todo.my_applications(p.provider)
    assert sorted(i.name for i in mine if i.kind == "listing_version") == ["智能排产方案", "设备上云方案"]
    assert [i.kind for i in mine].count("registration") == 1
    assert [i.name for i in todo.my_applications(p.provider, name="排产")] == ["智能排产方案"]
    assert todo.my_applications(p.provider, applicant="没有这个人") == []
    today = clock.today()
    assert len(todo.my_applications(p.provider, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))) == 3
    assert todo.my_applications(p.provider, start=today + dt.timedelta(days=2)) == []
    assert [i.kind for i in todo.my_applications(p.buyer)] == ["registration"]


def test_staff_see_listing_applications_only_with_a_listing_menu(db: str) -> None:
    from services.market import providers
    from tests.factories import actor_of
    p = people()
    version(p.provider_org, "operator_review", "智能排产方案", by=p.provider.account_id)
    uid = providers.add_user(p.provider, "staff_todo1", "13800000021", "Staff@pass9", "Staff@pass9")
    worker = actor_of("staff_todo1", "Staff@pass9")
    assert [i.kind for i in todo.my_applications(worker)] == ["registration"]
    providers.set_menus(p.provider, uid, ["我的商品"])
    assert sorted(i.kind for i in todo.my_applications(worker)) == ["listing_version", "registration"]
    assert sorted(i.kind for i in todo.my_applications(p.provider)) == ["listing_version", "registration"]
