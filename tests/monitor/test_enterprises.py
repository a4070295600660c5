"""监测企业管理 and 下级管理员维护: list and search, disable / enable, delete vs keep disabled,
变更审核员, jurisdiction, grants, subordinate administrators."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from db.account import Account, AuthSession
from db.audit import AuditLog
from db.engine import session_scope
from db.monitor import MonitorAssignment, MonitorReport, MonitorReviewer
from db.organisation import Organisation
from services.identity import auth
from services.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from services.forms import responses
from services.monitor import enterprises, reports, reviewers
from services.monitor.enterprises import EnterpriseFilter
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.monitor.conftest import Chain, answer_questionnaires, filled


def _names(actor, **kw) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.org_id for r in enterprises.search(actor, EnterpriseFilter(**kw))[1]}


def _sync() -> None:
    with session_scope() as s:
        reviewers.sync_reviewers(s)


def test_list_defaults_to_my_enterprises_and_searches(chain: Chain) -> None:
    gl = make_admin("320106")
    _sync()
    gulou, gulou_org = make_enterprise_user("320106")
    assert _names(chain.xw) == {chain.org_id}
    assert _names(chain.nj) == {chain.org_id, gulou_org}           # the city: its county administrators' too
    assert _names(gl) == {gulou_org}
    with session_scope() as s:
        org = s.get(Organisation, chain.org_id)
        assert org is not None
        credit = org.credit_code or ""
    assert _names(chain.nj, keyword=credit[-8:]) == {chain.org_id}   # credit code
    assert _names(chain.nj, keyword=gulou.username) == {gulou_org}   # username
    assert _names(chain.nj, region_code="320106") == {gulou_org}
    with pytest.raises(PermissionDenied):
        enterprises.search(chain.xw, EnterpriseFilter(region_code="320106"))
    # Reassigned to 鼓楼's administrator, the enterprise leaves 玄武's default list but not its jurisdiction.
    with session_scope() as s:
        s.add(MonitorAssignment(org_id=chain.org_id, reviewer_id=gl.account_id))
    assert _names(chain.xw) == set()
    assert _names(chain.xw, mine=False) == {chain.org_id}
    total, rows = enterprises.search(chain.nj, EnterpriseFilter(keyword=gulou.username))
    assert total == 1 and rows[0].account_status == "active" and rows[0].reviewer == "（首次上报时确定）"


def test_disable_revokes_sessions_and_enable_restores(chain: Chain) -> None:
    assert enterprises.set_enabled(chain.xw, [chain.org_id], enabled=False) == 1
    with session_scope() as s:
        account = s.get(Account, chain.ent.account_id)
        assert account is not None and account.status == "disabled"
        live = s.scalars(select(AuthSession).where(AuthSession.account_id == account.id,
                                                   AuthSession.revoked_at.is_(None))).all()
        assert live == []
    with pytest.raises(ServiceError):
        auth.sign_in(chain.ent.username, PASSWORD, "after-disable")
    assert _names(chain.xw, status="disabled") == {chain.org_id}
    assert _names(chain.xw, status="active") == set()
    enterprises.set_enabled(chain.xw, [chain.org_id], enabled=True)
    auth.sign_in(chain.ent.username, PASSWORD, "after-enable")
    with session_scope() as s:
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.target_id == str(chain.org_id))))
    assert {"monitor.enterprise_disabled", "monitor.enterprise_enabled"} <= actions


def test_delete_only_disabled_and_keeps_an_enterprise_with_data(chain: Chain) -> None:
    fresh, fresh_org = make_enterprise_user("320102")
    with pytest.raises(Conflict, match="请先禁用"):
        enterprises.delete_enterprise(chain.xw, fresh_org)
    enterprises.set_enabled(chain.xw, [fresh_org], enabled=False)
    assert enterprises.delete_enterprise(chain.xw, fresh_org) == "deleted"
    with session_scope() as s:
        assert s.get(Organisation, fresh_org) is None
        assert s.scalar(select(Account).where(Account.username == fresh.username)) is None
        row = s.scalar(select(AuditLog).where(AuditLog.action == "monitor.enterprise_deleted"))
        assert row is not None and row.detail["accounts"][0]["username"] == fresh.username
    # An enterprise that reported a month stays, disabled.
    reports.open_report(chain.ent, reports.current_period())
    enterprises.set_enabled(chain.xw, [chain.org_id], enabled=False)
    assert enterprises.delete_enterprise(chain.xw, chain.org_id) == "kept_disabled"
    # So does one that only answered a questionnaire.
    asked, asked_org = make_enterprise_user("320102")
    rid = reports.open_report(asked, reports.current_period())
    answer_questionnaires(asked, rid)
    with session_scope() as s:
        s.execute(MonitorReport.__table__.delete().where(MonitorReport.org_id == asked_org))
    enterprises.set_enabled(chain.xw, [asked_org], enabled=False)
    assert enterprises.delete_enterprise(chain.xw, asked_org) == "kept_disabled"
    with session_scope() as s:
        for org_id in (chain.org_id, asked_org):
            assert s.get(Organisation, org_id) is not None
            assert {a.status for a in s.scalars(select(Account).where(Account.org_id == org_id))} == {"disabled"}


def test_change_reviewer_moves_every_month_and_checks_the_region(chain: Chain) -> None:
    gl = make_admin("320106")
    _sync()
    current = reports.current_period()
    ids = [filled(chain.ent, p) for p in (responses.previous_period(current), current)]
    for rid in ids:
        reports.submit_report(chain.ent, rid)
    with pytest.raises(ValidationFailed, match="不在该审核员的管辖地区内"):
        enterprises.change_reviewer(chain.nj, [chain.org_id], gl.account_id)
    assert [c.account_id for c in enterprises.reviewer_choices(chain.nj, [chain.org_id])] == \
        [chain.nj.account_id, chain.xw.account_id]                   # 鼓楼's administrator does not cover it
    assert enterprises.change_reviewer(chain.nj, [chain.org_id], chain.nj.account_id) == 1
    with session_scope() as s:
        rows = s.scalars(select(MonitorReport).where(MonitorReport.org_id == chain.org_id)).all()
        assert {(r.reviewer_id, r.holder_id, r.holder_level) for r in rows} == {(chain.nj.account_id,) * 2 + ("city",)}
        assignment = s.get(MonitorAssignment, chain.org_id)
        assert assignment is not None and assignment.reviewer_id == chain.nj.account_id
        assert s.scalar(select(AuditLog).where(AuditLog.action == "monitor.reviewer_changed")) is not None


def test_another_countys_administrator_cannot_list_or_act(chain: Chain) -> None:
    gl = make_admin("320106")
    _sync()
    assert chain.org_id not in _names(gl, mine=False)
    assert chain.org_id not in _names(gl, keyword=chain.ent.username, mine=False)
    for act in (lambda: enterprises.set_enabled(gl, [chain.org_id], enabled=False),
                lambda: enterprises.delete_enterprise(gl, chain.org_id),
                lambda: enterprises.change_reviewer(gl, [chain.org_id], gl.account_id),
                lambda: enterprises.reviewer_choices(gl, [chain.org_id])):
        with pytest.raises(NotFound):
            act()
    with session_scope() as s:
        account = s.get(Account, chain.ent.account_id)
        assert account is not None and account.status == "active"


def test_grants_only_from_a_higher_administrator_and_skip_level_only_for_provinces(chain: Chain) -> None:
    reviewers.grant(chain.cn, chain.js.account_id, bulk_accept=True, skip_level=True)
    reviewers.grant(chain.js, chain.nj.account_id, bulk_accept=True, skip_level=False)
    with pytest.raises(ValidationFailed, match="越级接收"):
        reviewers.grant(chain.cn, chain.nj.account_id, bulk_accept=True, skip_level=True)
    with pytest.raises(PermissionDenied):
        reviewers.grant(chain.xw, chain.nj.account_id, bulk_accept=True, skip_level=False)   # upwards
    with pytest.raises(PermissionDenied):
        reviewers.grant(chain.nj, chain.nj.account_id, bulk_accept=False, skip_level=False)  # oneself
    with session_scope() as s:
        js, nj = s.get(MonitorReviewer, chain.js.account_id), s.get(MonitorReviewer, chain.nj.account_id)
        assert js is not None and nj is not None
        assert (js.bulk_accept, js.skip_level, nj.bulk_accept, nj.skip_level) == (True, True, True, False)
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "monitor.grant")).all()) == 2


def test_create_subordinate_for_a_region_one_level_down(chain: Chain) -> None:
    assert ("320104", "秦淮区") in enterprises.subordinate_regions(chain.nj)
    new_id = reviewers.create_subordinate(chain.nj, "qinhuai_admin", "Qinhuai@2026", "320104")
    assert new_id in {v.account_id for v in reviewers.subordinates(chain.nj)}
    with pytest.raises(ValidationFailed, match="所在地区"):
        reviewers.create_subordinate(chain.nj, "suzhou_admin", "Suzhou@2026x", "320505")  # another city's county
    with pytest.raises(ValidationFailed, match="所在地区"):
        reviewers.create_subordinate(chain.xw, "too_low", "Toolow@2026x", "320102")
