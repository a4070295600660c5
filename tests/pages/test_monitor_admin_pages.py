"""监测企业管理 and 下级管理员维护 through the real app (AppTest): list, select, disable, delete,
变更审核员; list subordinates, grant, create a subordinate."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from db.account import Account
from db.engine import session_scope
from db.monitor import MonitorAssignment, MonitorReviewer
from db.organisation import Organisation
from services.forms import definitions
from services.monitor import reviewers
from services.core.permissions import Actor
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

ENTERPRISES, ADMINS = "pages/monitor/monitor_enterprises.py", "pages/monitor/monitor_admins.py"


@dataclass
class People:
    js: Actor
    nj: Actor
    xw: Actor
    ent: Actor
    org_id: int


@pytest.fixture
def people(app) -> People:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    make_admin(None, "ma_cn")
    js, nj, xw = make_admin("320000", "ma_js"), make_admin("320100", "ma_nj"), make_admin("320102", "ma_xw")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    ent, org_id = make_enterprise_user("320102")
    return People(js, nj, xw, ent, org_id)


def open_page(username: str, path: str, title: str) -> AppTest:
    at = signed_in(username, PASSWORD)
    at.switch_page(path).run()
    assert_clean(at)
    assert [t.value for t in at.title] == [title]
    return at


def test_enterprise_list_disable_delete_and_change_reviewer(people: People) -> None:
    _, spare = make_enterprise_user("320102")
    at = open_page("ma_xw", ENTERPRISES, "监测企业管理")
    assert "共 2 家企业" in joined(at.caption)
    assert set(at.dataframe[0].value["用户状态"]) == {"正常"}
    # Disable and delete the spare enterprise (never reported: really deleted).
    by_label(at.multiselect, "勾选企业").set_value([spare]).run()
    by_label(at.button, "禁用").click().run()
    assert_clean(at)
    assert "已禁用 1 家企业" in joined(at.success)
    by_label(at.multiselect, "勾选企业").set_value([spare]).run()
    by_label(at.button, "删除").click().run()
    assert_clean(at)
    assert "已删除企业" in joined(at.success)
    with session_scope() as s:
        assert s.get(Organisation, spare) is None
    # Deleting an active enterprise is refused with the reason.
    by_label(at.multiselect, "勾选企业").set_value([people.org_id]).run()
    by_label(at.button, "删除").click().run()
    assert "请先禁用" in joined(at.error)
    # 变更审核员: the county's own administrator → the city administrator (both cover 玄武区).
    at = open_page("ma_nj", ENTERPRISES, "监测企业管理")
    by_label(at.multiselect, "勾选企业").set_value([people.org_id]).run()
    by_label(at.selectbox, "新审核员").set_value(people.nj.account_id).run()
    by_label(at.button, "确定变更").click().run()
    assert_clean(at)
    assert "已将 1 家企业的审核员变更为" in joined(at.success)
    with session_scope() as s:
        row = s.get(MonitorAssignment, people.org_id)
        assert row is not None and row.reviewer_id == people.nj.account_id


def test_other_county_sees_none_of_them(people: People) -> None:
    make_admin("320106", "ma_gl")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    at = open_page("ma_gl", ENTERPRISES, "监测企业管理")
    assert "共 0 家企业" in joined(at.caption)


def test_subordinates_grant_and_create(people: People) -> None:
    at = open_page("ma_js", ADMINS, "下级管理员维护")
    assert set(at.dataframe[0].value["用户名"]) == {"ma_nj", "ma_xw"}
    by_label(at.selectbox, "选择管理员").set_value(people.nj.account_id).run()
    assert by_label(at.checkbox, "越级接收").disabled  # cities cannot be granted 越级接收
    by_label(at.checkbox, "一键接收").check()  # a form: the value goes with the submit
    at.button(key=f"FormSubmitter:mad_grant_{people.nj.account_id}-保存授权").click().run()
    assert_clean(at)
    with session_scope() as s:
        row = s.get(MonitorReviewer, people.nj.account_id)
        assert row is not None and row.bulk_accept and not row.skip_level
    # 创建下级管理员 for 苏州市 (a city of 江苏).
    by_label(at.selectbox, "管辖地区").set_value("320500")
    by_label(at.text_input, "用户名").input("ma_sz_new")
    by_label(at.text_input, "初始密码").input("Suzhou@2026")
    at.button(key="FormSubmitter:mad_new-创建").click().run()
    assert_clean(at)
    assert "已创建 苏州市 的管理员 ma_sz_new" in joined(at.success)
    with session_scope() as s:
        new = s.query(Account).filter_by(username="ma_sz_new").one()
        reviewer = s.get(MonitorReviewer, new.id)
        assert reviewer is not None and reviewer.parent_id == people.js.account_id and reviewer.level == "city"

