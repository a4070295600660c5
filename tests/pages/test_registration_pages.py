"""Self-registration through the pages: step 1 (pages/common/register.py) and step 2 (pages/orgs/my_registration.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import clock
from db.account import Account
from db.engine import session_scope
from services.orgs import registration
from tests.factories import credit_code
from tests.pages.helpers import assert_clean, by_label, fresh_app, joined, signed_in

GOOD_PASSWORD = "Good@pass9"
FIELDS = {"reg_legal_rep": "张三", "reg_reg_type": "其他有限责任公司", "reg_holding_type": "私人控股",
          "reg_revenue_k": "50000", "reg_employees": "120", "reg_assets_k": "80000", "reg_listed": "否",
          "reg_address": "玄武大道 1 号", "reg_postcode": "210018", "reg_opened_on": dt.date(2015, 6, 1),
          "reg_website": "http://www.example.com", "reg_contact_name": "李四", "reg_phone": "025-12345678",
          "reg_mobile": "13912345678", "reg_email": "info@example.com", "reg_business": "锅炉辅机及通用机械零部件"}
PROVIDER_FIELDS = {"reg_employees": "30", "reg_assets_k": "5000", "reg_legal_rep": "王五", "reg_contact_name": "赵六",
                   "reg_contact_phone": "025-84561234"}
REGION = ("320000", "320100", "320102")
INDUSTRY = ("C", "34", "341", "3411")


def account_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


def fill_step1(at, username="newco1", phone="13912345678", password=GOOD_PASSWORD,  # type: ignore[no-untyped-def]
               password2=None, agree=True, kind="enterprise"):
    at.switch_page("pages/common/register.py").run()
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
               fields=FIELDS, **over) -> str:
    code = code or credit_code("320102")
    at.text_input(key="reg_name").input(name)
    at.text_input(key="reg_credit_code").input(code)
    pick(at, "reg_region", region)
    pick(at, "reg_industry", industry)
    for key, value in {**fields, **over}.items():
        put(at, key, value)
    at.run()
    return code


def put(at, key: str, value) -> None:  # type: ignore[no-untyped-def]
    """Set one enterprise field by its widget key, whatever the widget."""
    if key == "reg_reg_type":
        at.selectbox(key=key).select(value)
    elif key in ("reg_holding_type", "reg_listed"):
        at.radio(key=key).set_value(value)
    elif key == "reg_opened_on":
        at.date_input(key=key).set_value(value)
    elif key == "reg_business":
        at.text_area(key=key).input(value)
    else:
        at.text_input(key=key).input(value)


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
    assert again.text_input(key="reg_revenue_k").value == "50000"
    assert again.selectbox(key="reg_reg_type").value == "其他有限责任公司"
    assert again.radio(key="reg_holding_type").value == "私人控股"
    assert again.radio(key="reg_listed").value == "否"
    assert again.date_input(key="reg_opened_on").value == dt.date(2015, 6, 1)
    assert again.text_area(key="reg_business").value == "锅炉辅机及通用机械零部件"
    assert [again.selectbox(key=f"reg_region_{i}").value for i in range(3)] == list(REGION)
    assert [again.selectbox(key=f"reg_industry_{i}").value for i in range(4)] == list(INDUSTRY)


def test_submit_shows_pending_and_persists(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="submitter")
    code = fill_step2(at, name="提交测试有限公司")
    assert "企业规模（按工信部联企业〔2011〕300号自动计算）：**小型**" in joined(at.caption)  # live, from 千元
    click(at, "提交审核")
    assert_clean(at)
    assert "待审核" in joined(at.info)
    assert [b.label for b in at.main.button] == []  # no more editing while pending
    org = registration.my_org(at.session_state["actor"])
    assert org is not None and org.status == "pending" and org.name == "提交测试有限公司"
    assert org.credit_code == code and org.region_code == "320102" and org.industry_code == "3411"
    assert registration.load_draft(at.session_state["actor"], "registration") == {}
    assert (org.revenue, org.revenue_k, org.reg_type, org.phone) == (5000.0, "50000", "其他有限责任公司", "025-12345678")
    table = joined(at.markdown)  # the details as the manual's table
    assert "| 所属行业 | 制造业→通用设备制造业→锅炉及原动设备制造→锅炉及辅助设备制造（3411） |" in table
    assert "| 控股类型 | 私人控股 |" in table and "| 开业时间 | 2015-06-01 |" in table

    again = signed_in("submitter", GOOD_PASSWORD)
    assert [t.value for t in again.title] == ["单位注册信息"]
    assert "待审核" in joined(again.info)


def test_missing_required_fields_name_each_field(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="lazy")
    at.text_input(key="reg_name").input("只填名称有限公司").run()
    click(at, "提交审核")
    errors = joined(at.error)
    for label in ("统一社会信用代码", "法人代表", "所在地区", "所属行业", "注册类型", "控股类型",
                  "上年末营业收入（千元）", "上年末从业人数（人）", "上年末资产总计（千元）", "是否上市", "通讯地址",
                  "邮政编码", "开业时间", "联系人", "主营业务/主要产品"):
        assert f"{label}：必填项" in errors, label
    assert "电话/手机：座机电话和手机至少要填写一项。" in errors
    assert "企业名称：必填项" not in errors
    assert registration.my_org(at.session_state["actor"]) is None


def test_invalid_values_are_explained(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="sloppy")
    fill_step2(at, code="91320102MA1XXXXXX0", region=("320000", "320100"), industry=("C", "34", "341"),
               reg_phone="02512345678", reg_employees="abc", reg_website="www.example.com", reg_postcode="2100",
               reg_fax="025 12345679", reg_listed="是", reg_opened_on=clock.today() + dt.timedelta(days=2))
    click(at, "提交审核")
    errors = joined(at.error)
    assert "统一社会信用代码：须为 18 位" in errors
    assert "所在地区：请选择到区县一级" in errors
    assert "所属行业：企业须选择到小类（四位代码）。" in errors
    assert "电话：须为座机号码，区号和号码之间用“-”连接" in errors
    assert "传真：须为「区号-号码」格式" in errors
    assert "上年末从业人数（人）：须为数字" in errors
    assert "企业网址：须以 http:// 或 https:// 开头" in errors
    assert "邮政编码：须为 6 位数字。" in errors
    assert "股票代码：上市企业必须填写股票代码。" in errors
    assert "开业时间：不能晚于今天" in errors
    assert registration.my_org(at.session_state["actor"]) is None
    assert at.text_input(key="reg_name").value == "南京测试机械有限公司"  # the form keeps what was typed


def test_draft_checks_what_is_filled_and_keeps_it(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="drafty2")
    at.text_input(key="reg_name").input("只填一半有限公司").run()
    put(at, "reg_website", "www.example.com")
    put(at, "reg_mobile", "1391234")
    click(at, "暂存")
    assert "已暂存" in joined(at.success)
    errors = joined(at.error)
    assert "企业网址：须以 http:// 或 https:// 开头" in errors and "手机：须为以 1 开头的 11 位数字" in errors
    assert "必填项" not in errors  # required fields wait for 提交审核
    assert registration.load_draft(at.session_state["actor"], "registration")["website"] == "www.example.com"


def test_stock_code_opens_when_listed(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="listedco")
    assert at.text_input(key="reg_stock_code").disabled
    put(at, "reg_listed", "是")
    at.run()
    assert not at.text_input(key="reg_stock_code").disabled
    fill_step2(at, name="上市测试股份有限公司", reg_listed="是", reg_stock_code="600519", reg_reg_type="股份有限公司")
    click(at, "提交审核")
    assert not at.error, joined(at.error)
    org = registration.my_org(at.session_state["actor"])
    assert org is not None and (org.listed, org.stock_code, org.reg_type) == (True, "600519", "股份有限公司")


def test_providers_keep_the_short_form(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="provider2", kind="provider")
    keys = {w.key for w in at.text_input}
    assert "reg_contact_phone" in keys and "reg_phone" not in keys and "reg_postcode" not in keys
    assert not [r for r in at.radio if r.key == "reg_listed"]
    fill_step2(at, name="南京评估服务有限公司", industry=("M", "75"), fields=PROVIDER_FIELDS)
    click(at, "提交审核")
    assert not at.error, joined(at.error)
    org = registration.my_org(at.session_state["actor"])
    assert org is not None and org.kind == "provider" and org.industry_code == "75" and org.reg_type is None


def test_choosing_a_new_province_resets_lower_levels(app) -> None:  # type: ignore[no-untyped-def]
    at = fill_step1(app.run(), username="picker")
    pick(at, "reg_region", REGION)
    assert [s.key for s in at.selectbox if s.key and s.key.startswith("reg_region")] == [
        "reg_region_0", "reg_region_1", "reg_region_2"]
    at.selectbox(key="reg_region_0").select("__none__").run()
    assert [s.key for s in at.selectbox if s.key and s.key.startswith("reg_region")] == ["reg_region_0"]
