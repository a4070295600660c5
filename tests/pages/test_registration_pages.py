"""Self-registration through the pages: step 1 (pages/register.py) and step 2 (pages/my_registration.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.account import Account
from db.engine import session_scope
from services import registration
from tests.factories import credit_code
from tests.pages.helpers import assert_clean, by_label, fresh_app, joined, signed_in

GOOD_PASSWORD = "Good@pass9"
FIELDS = {"reg_employees": "120", "reg_revenue": "5000", "reg_assets": "8000", "reg_legal_rep": "张三",
          "reg_contact_name": "李四", "reg_contact_phone": "13912345678"}
REGION = ("320000", "320100", "320102")
INDUSTRY = ("C", "34", "341", "3411")


def account_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


def fill_step1(at, username="newco1", phone="13912345678", password=GOOD_PASSWORD,  # type: ignore[no-untyped-def]
               password2=None, agree=True, kind="enterprise"):
    at.switch_page("pages/register.py").run()
    assert [t.value for t in at.title] == ["欢迎注册"]
    by_label(at.radio, "角色").set_value(kind)
    by_label(at.text_input, "用户名 *").input(username)
    by_label(at.text_input, "手机号 *").input(phone)
    by_label(at.text_input, "密码 *").input(password)
    by_label(at.text_input, "确认密码 *").input(password if password2 is None else password2)
    if agree:
        at.checkbox[0].check()
    return at.button(key="FormSubmitter:register_account-下一步").click().run()


def pick(at, key: str, codes) -> None:  # type: ignore[no-untyped-def]
    for depth, code in enumerate(codes):
        at.selectbox(key=f"{key}_{depth}").select(code).run()


def fill_step2(at, name="南京测试机械有限公司", code=None, region=REGION, industry=INDUSTRY,  # type: ignore[no-untyped-def]
               **over: str) -> str:
    code = code or credit_code("320102")
    at.text_input(key="reg_name").input(name)
    at.text_input(key="reg_credit_code").input(code)
    pick(at, "reg_region", region)
    pick(at, "reg_industry", industry)
    for key, value in {**FIELDS, **over}.items():
        at.text_input(key=key).input(value)
    at.run()
    return code


def click(at, label: str):  # type: ignore[no-untyped-def]
    return by_label(at.button, label).click().run()


# --- step 1 ------------------------------------------------------------------------------------
def test_register_creates_account_signs_in_and_opens_step_two(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run())
    assert_clean(at)
    actor = at.session_state["actor"]
    assert actor is not None and actor.username == "newco1" and "enterprise" in actor.roles
    assert [t.value for t in at.title] == ["单位注册信息"]
    assert at.text_input(key="reg_name").value == ""
    assert account_count() == 1


def test_register_as_provider_gets_provider_role(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="provider1", kind="provider")
    assert at.session_state["actor"].roles == frozenset({"provider"})


@pytest.mark.parametrize("over,field", [
    ({"phone": "123"}, "手机号"),
    ({"password": "weak", "password2": "weak"}, "密码"),
    ({"password2": "Other@pass9"}, "确认密码"),
    ({"username": "1bad"}, "用户名"),
])
def test_register_bad_input_names_the_field(app, over, field: str) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), **over)
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert errors and any(e.startswith(f"{field}：") for e in errors), errors
    assert at.session_state["actor"] is None
    assert [t.value for t in at.title] == ["欢迎注册"]
    assert account_count() == 0


def test_register_without_agreement_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), agree=False)
    assert "请先阅读并同意" in joined(at.error)
    assert account_count() == 0 and at.session_state["actor"] is None


def test_register_duplicate_username(app) -> None:  # type: ignore[no-untyped-def]
    fill_step1(app.run(), username="dupname").sidebar.button(key="signout").click().run()
    at = fill_step1(fresh_app().run(), username="dupname")
    assert "用户名：该用户名已被注册" in joined(at.error)
    assert account_count() == 1


# --- step 2 ------------------------------------------------------------------------------------
def test_draft_is_kept_server_side_and_restored(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="drafty")
    code = fill_step2(at, name="暂存测试有限公司")
    click(at, "暂存")
    assert_clean(at)
    assert "已暂存" in joined(at.success)
    actor = at.session_state["actor"]
    assert registration.load_draft(actor, "registration")["name"] == "暂存测试有限公司"
    assert registration.my_org(actor) is None  # a draft is not a submission

    again = signed_in("drafty", GOOD_PASSWORD)  # a new browser session
    assert [t.value for t in again.title] == ["单位注册信息"]
    assert again.text_input(key="reg_name").value == "暂存测试有限公司"
    assert again.text_input(key="reg_credit_code").value == code
    assert again.text_input(key="reg_legal_rep").value == "张三"
    assert again.text_input(key="reg_employees").value == "120"
    assert [again.selectbox(key=f"reg_region_{i}").value for i in range(3)] == list(REGION)
    assert [again.selectbox(key=f"reg_industry_{i}").value for i in range(4)] == list(INDUSTRY)


def test_submit_shows_pending_and_persists(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="submitter")
    code = fill_step2(at, name="提交测试有限公司")
    assert "企业规模" in joined(at.caption)  # size computed live from the chosen industry
    click(at, "提交审核")
    assert_clean(at)
    assert "待审核" in joined(at.info)
    assert [b.label for b in at.main.button] == []  # no more editing while pending
    org = registration.my_org(at.session_state["actor"])
    assert org is not None and org.status == "pending" and org.name == "提交测试有限公司"
    assert org.credit_code == code and org.region_code == "320102" and org.industry_code == "3411"
    assert registration.load_draft(at.session_state["actor"], "registration") == {}

    again = signed_in("submitter", GOOD_PASSWORD)
    assert [t.value for t in again.title] == ["单位注册信息"]
    assert "待审核" in joined(again.info)


def test_missing_required_fields_name_each_field(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="lazy")
    at.text_input(key="reg_name").input("只填名称有限公司").run()
    click(at, "提交审核")
    errors = joined(at.error)
    for label in ("统一社会信用代码", "所在地区", "所属行业", "法定代表人", "联系人", "联系电话"):
        assert f"{label}：必填项" in errors, label
    assert "企业名称：必填项" not in errors
    assert registration.my_org(at.session_state["actor"]) is None


def test_invalid_values_are_explained(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="sloppy")
    fill_step2(at, code="91320102MA1XXXXXX0", region=("320000", "320100"), reg_contact_phone="12345",
               reg_employees="abc")
    click(at, "提交审核")
    errors = joined(at.error)
    assert "统一社会信用代码：须为 18 位" in errors
    assert "所在地区：请选择到区县一级" in errors
    assert "联系电话：" in errors
    assert "从业人员（人）：须为数字" in errors
    assert registration.my_org(at.session_state["actor"]) is None
    assert at.text_input(key="reg_name").value == "南京测试机械有限公司"  # the form keeps what was typed


def test_choosing_a_new_province_resets_lower_levels(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="picker")
    pick(at, "reg_region", REGION)
    assert [s.key for s in at.selectbox if s.key and s.key.startswith("reg_region")] == [
        "reg_region_0", "reg_region_1", "reg_region_2"]
    at.selectbox(key="reg_region_0").select("__none__").run()
    assert [s.key for s in at.selectbox if s.key and s.key.startswith("reg_region")] == ["reg_region_0"]
