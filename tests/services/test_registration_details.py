"""Enterprise registration details as the manual's 企业信息注册 form: every rule with its boundaries,
units, 暂存, the stored details, the inbox notices on 通过 / 退回, and the detail table."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.organisation import Organisation
from services.core import notify
from services.orgs import registration
from services.core.errors import ValidationFailed
from services.orgs.fields import HOLDING_TYPES, REG_TYPES, validate_org_form
from services.core.timefmt import china_now
from tests.factories import PASSWORD, actor_of, make_admin, make_org, org_form


def problems_of(kind: str = "enterprise", mode: str = "submit", **over: Any) -> dict[str, list[str]]:
    """The problems of a valid enterprise form with ``over`` changed (empty lists dropped)."""
    return {k: v for k, v in validate_org_form(org_form(**over), kind, mode)[1].items() if v}


def applicant(username: str = "detailco") -> Any:
    registration.register_account("enterprise", username, PASSWORD, PASSWORD, "13912345678")
    return actor_of(username)


# --- the complete form, units and size -----------------------------------------------------------
def test_complete_form_is_valid_and_money_is_stored_in_wan() -> None:
    clean, problems = validate_org_form(org_form(), "enterprise")
    assert not any(problems.values()), problems
    assert (clean["revenue"], clean["assets"], clean["employees"]) == (Decimal("5000"), Decimal("8000"), 120)
    assert clean["size"] == "小型"  # 工业: 120 人 → 小型, 5000 万元 → 中型; the smaller wins
    assert clean["contact_phone"] == "13912345678"  # 联系电话 = 手机, else 电话
    assert clean["details"]["listed"] is False and clean["details"]["opened_on"] == "2015-06-01"


@pytest.mark.parametrize("revenue_k,employees,size", [
    ("19999.9", "300", "小型"),  # 1999.99 万元: just below 工业's 2000 万元 for 中型
    ("20000", "300", "中型"),  # exactly 2000 万元 and 300 人
    ("20000", "299", "小型"),
    ("2999.9", "20", "微型"),  # 299.99 万元 < 300 万元
    ("400000", "1000", "大型"),
])
def test_size_is_computed_from_thousands(revenue_k: str, employees: str, size: str) -> None:
    clean, problems = validate_org_form(org_form(revenue_k=revenue_k, employees=employees), "enterprise")
    assert not any(problems.values()) and clean["size"] == size


@pytest.mark.parametrize("value,rule", [
    ("12.34", "最多保留 1 位小数"), ("-0.1", "不能为负数"), ("abc", "须为数字"),
    ("NaN", "须为有限的数字（不接受 NaN、Infinity 等）"),
    ("10000000000000", "数值过大"),
])
def test_money_in_thousands_rules(value: str, rule: str) -> None:
    p = problems_of(revenue_k=value)
    assert p["上年末营业收入（千元）"] == [f"上年末营业收入（千元）：{rule}" + ("。" if "数值" not in rule else "，请核对单位。")]
    assert "上年末资产总计（千元）" not in problems_of(assets_k="12.3")


def test_every_required_field_is_named() -> None:
    _, problems = validate_org_form({}, "enterprise")
    named = {label for label, msgs in problems.items() if msgs and "必填项" in msgs[0]}
    assert named == {"企业名称", "统一社会信用代码", "法人代表", "所在地区", "所属行业", "注册类型", "控股类型",
                     "上年末营业收入（千元）", "上年末从业人数（人）", "上年末资产总计（千元）", "是否上市", "通讯地址",
                     "邮政编码", "开业时间", "联系人", "主营业务/主要产品"}
    assert problems["电话/手机"] == ["电话/手机：座机电话和手机至少要填写一项。"]
    assert problems["注册类型"] == ["注册类型：必填项，请选择。"]


# --- formats -------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://www.example.com", "https://example.cn/about", "HTTP://WWW.A.CN", "http://a"])
def test_website_with_prefix_is_accepted(url: str) -> None:
    assert "企业网址" not in problems_of(website=url)


@pytest.mark.parametrize("url", ["www.example.com", "example.com", "http//www.a.cn", "ftp://a.cn", "http://",
                                 "https:// a.cn", "http:/a.cn"])
def test_website_without_prefix_is_refused(url: str) -> None:
    assert problems_of(website=url)["企业网址"] == ["企业网址：须以 http:// 或 https:// 开头，如 http://www.example.com。"]


@pytest.mark.parametrize("number", ["025-12345678", "010-1234567", "0571-87654321", "0755-1234567",
                                    "025-12345678-801"])
def test_landline_formats_accepted(number: str) -> None:
    assert not problems_of(phone=number, fax=number)


@pytest.mark.parametrize("number", ["02512345678", "025 12345678", "25-12345678", "025-123456", "025-123456789",
                                    "(025)12345678", "025—12345678", "0251-2345-678", "０２５-12345678", "13912345678"])
def test_landline_formats_refused(number: str) -> None:
    p = problems_of(phone=number, fax=number)
    assert p["电话"][0].startswith("电话：须为座机号码，区号和号码之间用“-”连接，如 025-12345678")
    assert p["传真"][0].startswith("传真：须为「区号-号码」格式")
    assert ("手机号请填写在「手机」栏" in p["电话"][0]) == (number == "13912345678")


@pytest.mark.parametrize("number,ok", [("13912345678", True), ("19900001111", True), ("1391234567", False),
                                       ("139123456789", False), ("23912345678", False), ("139-1234-5678", False),
                                       ("1３912345678", False)])
def test_mobile_is_eleven_digits(number: str, ok: bool) -> None:
    assert ("手机" not in problems_of(mobile=number)) is ok


@pytest.mark.parametrize("phone,mobile,contact", [("025-12345678", "", "025-12345678"),
                                                  ("", "13912345678", "13912345678"),
                                                  ("025-12345678", "13912345678", "13912345678")])
def test_one_of_landline_and_mobile_is_enough(phone: str, mobile: str, contact: str) -> None:
    clean, problems = validate_org_form(org_form(phone=phone, mobile=mobile), "enterprise")
    assert not any(problems.values()) and clean["contact_phone"] == contact


def test_neither_landline_nor_mobile_is_refused() -> None:
    p = problems_of(phone="", mobile=" ")
    assert p == {"电话/手机": ["电话/手机：座机电话和手机至少要填写一项。"]}


@pytest.mark.parametrize("listed,code,message", [
    ("是", "", "股票代码：上市企业必须填写股票代码。"), ("是", "60051", "股票代码：须为 6 位数字。"),
    ("是", "6005190", "股票代码：须为 6 位数字。"), ("是", "60051A", "股票代码：须为 6 位数字。"),
    ("是", "600519", None), ("否", "", None), ("否", "whatever", None)])
def test_listed_needs_a_six_digit_stock_code(listed: str, code: str, message: str | None) -> None:
    clean, problems = validate_org_form(org_form(listed=listed, stock_code=code), "enterprise")
    assert problems["股票代码"] == ([message] if message else [])
    if listed == "否":
        assert clean["details"]["stock_code"] is None  # only a listed enterprise has one


def test_listed_must_be_yes_or_no() -> None:
    assert problems_of(listed="也许") == {"是否上市": ["是否上市：请选择「是」或「否」。"]}
    assert validate_org_form(org_form(listed=True), "enterprise")[0]["details"]["listed"] is True


@pytest.mark.parametrize("code,ok", [("210018", True), ("000000", True), ("21001", False), ("2100188", False),
                                     ("21001a", False), ("２１００１８", False)])
def test_postal_code_is_six_digits(code: str, ok: bool) -> None:
    assert problems_of(postcode=code).get("邮政编码", []) == ([] if ok else ["邮政编码：须为 6 位数字。"])


def test_opening_date_not_in_the_future() -> None:
    today = china_now().date()
    assert "开业时间" not in problems_of(opened_on=today.isoformat())
    assert "开业时间" not in problems_of(opened_on=today - dt.timedelta(days=1))  # a date object
    tomorrow = problems_of(opened_on=(today + dt.timedelta(days=1)).isoformat())
    assert tomorrow["开业时间"] == [f"开业时间：不能晚于今天（{today.isoformat()}）。"]
    for bad in ("2020-02-30", "昨天", "1899-12-31"):
        assert problems_of(opened_on=bad)["开业时间"] == ["开业时间：须为 1900-01-01 以后的有效日期（年-月-日）。"]
    assert "开业时间" not in problems_of(opened_on="1900-01-01")


def test_choice_lists_are_enforced() -> None:
    assert len(REG_TYPES) == 8 and len(HOLDING_TYPES) == 6
    for reg in REG_TYPES:
        assert "注册类型" not in problems_of(reg_type=reg)
    p = problems_of(reg_type="合伙企业", holding_type="混合控股")
    assert p["注册类型"] == ["注册类型：请从列表中选择（" + "、".join(REG_TYPES) + "）。"]
    assert p["控股类型"][0].startswith("控股类型：请从列表中选择（国有控股、")


@pytest.mark.parametrize("code", ["341", "34", "C"])
def test_enterprises_choose_the_class(code: str) -> None:
    assert problems_of(industry_code=code)["所属行业"] == ["所属行业：企业须选择到小类（四位代码）。"]


def test_providers_keep_their_rules() -> None:
    provider = {"name": "南京咨询服务有限公司", "credit_code": org_form()["credit_code"], "region_code": "320102",
                "industry_code": "72", "legal_rep": "王五", "contact_name": "赵六", "contact_phone": "02584561234",
                "employees": "30", "revenue_k": "", "assets_k": "5000"}
    clean, problems = validate_org_form(provider, "provider")
    assert not any(problems.values()), problems  # 大类 enough; no 注册类型, 电话/手机, 开业时间 …
    assert clean["size"] == "小型" and clean["details"] == {}
    p = {k: v for k, v in validate_org_form({**provider, "industry_code": "L"}, "provider")[1].items() if v}
    assert p == {"所属行业": ["所属行业：请至少选择到大类（两位代码）。"]}


def test_monitor_confirm_change_shape_still_validates() -> None:
    """services/monitor/review.confirm_change passes the stored row: 万元 and ``details``."""
    form = org_form()
    stored = validate_org_form(form, "enterprise")[0]
    row = {**{k: stored[k] for k in ("name", "credit_code", "region_code", "industry_code", "legal_rep",
                                      "contact_name", "contact_phone", "address", "employees", "revenue", "assets")},
           "details": stored["details"]}
    clean, problems = validate_org_form(row)
    assert not any(problems.values()), problems
    assert clean["revenue"] == Decimal("5000") and clean["size"] == "小型"
    assert clean["details"]["reg_type"] == "其他有限责任公司"


# --- 暂存 ----------------------------------------------------------------------------------------
def test_draft_checks_only_what_is_filled(db: str) -> None:
    actor = applicant()
    assert registration.save_draft(actor, "registration", {"name": "半成品有限公司"}) == {}
    problems = registration.save_draft(actor, "registration", {"name": "半成品有限公司", "website": "www.a.cn",
                                                               "phone": "02512345678", "opened_on": "2999-01-01"})
    assert set(problems) == {"企业网址", "电话", "开业时间"}
    assert registration.load_draft(actor, "registration")["website"] == "www.a.cn"  # kept: nothing typed is lost


def test_draft_reports_a_taken_name_and_code(db: str) -> None:
    taken = make_org("320102", name="已注册机械有限公司")
    with session_scope() as s:
        code = s.get(Organisation, taken).credit_code  # type: ignore[union-attr]
    problems = registration.save_draft(applicant(), "registration", {"name": "已注册机械有限公司", "credit_code": code})
    assert problems == {"企业名称": [f"企业名称：该名称已注册。{registration.DUPLICATE_HINT}"],
                        "统一社会信用代码": [f"统一社会信用代码：该代码已注册。{registration.DUPLICATE_HINT}"]}


# --- submit, stored details, review ---------------------------------------------------------------
def test_submit_stores_details_and_keeps_wan_columns(db: str) -> None:
    actor = applicant()
    org_id = registration.submit_org(actor, org_form(listed="是", stock_code="600519", fax=""))
    with session_scope() as s:
        org = s.get(Organisation, org_id)
        assert org is not None
        assert (org.revenue, org.assets, org.employees, org.size) == (Decimal("5000"), Decimal("8000"), 120, "小型")
        assert org.details["reg_type"] == "其他有限责任公司" and org.details["stock_code"] == "600519"
        assert "fax" not in org.details and org.contact_phone == "13912345678"
    view = registration.my_org(actor)
    assert (view.revenue_k, view.assets_k, view.listed, view.opened_on) == ("50000", "80000", True, "2015-06-01")
    rows = dict(registration.detail_rows(view))
    assert rows["所属行业"] == "制造业→通用设备制造业→锅炉及原动设备制造→锅炉及辅助设备制造（3411）"
    assert rows["上年末营业收入（千元）"] == "50000" and rows["是否上市"] == "是" and rows["股票代码"] == "600519"
    assert [label for label, _ in registration.detail_rows(view)][:8] == [
        "企业名称", "统一社会信用代码", "法人代表", "所在地区", "所属行业", "注册类型", "控股类型", "企业规模"]


def test_approve_and_return_notify_the_applicant(db: str) -> None:
    actor = applicant()
    org_id = registration.submit_org(actor, org_form(name="通知测试机械有限公司"))
    admin = make_admin("320102")
    registration.return_for_changes(admin, org_id, "营业执照照片不清晰", request_id="ret-1")
    registration.return_for_changes(admin, org_id, "营业执照照片不清晰", request_id="ret-1")  # replay: one notice
    notes = notify.inbox(actor)
    assert [n.title for n in notes] == ["注册信息被退回"]
    assert "营业执照照片不清晰" in notes[0].body and "通知测试机械有限公司" in notes[0].body
    registration.submit_org(actor, org_form(name="通知测试机械有限公司", credit_code=registration.my_org(actor).credit_code))
    registration.approve(admin, org_id)
    assert [n.title for n in notify.inbox(actor)] == ["注册审核已通过", "注册信息被退回"]
    assert notify.unread_count(actor) == 2 and notify.inbox(admin) == []


def test_no_notice_when_the_review_fails(db: str) -> None:
    actor = applicant()
    org_id = registration.submit_org(actor, org_form())
    with pytest.raises(Exception):
        registration.approve(make_admin("320106"), org_id)  # another county: refused
    registration.approve(make_admin("320102"), org_id)
    with pytest.raises(Exception):
        registration.approve(make_admin("320102"), org_id)  # already approved: Conflict, no second notice
    assert [n.title for n in notify.inbox(actor)] == ["注册审核已通过"]


def test_admin_correction_keeps_legacy_rows_editable_but_checks_formats(db: str) -> None:
    org_id = make_org("320102", status="approved")  # an old-platform row: no 注册类型, 开业时间 …
    admin = make_admin("320100")
    view = registration.org_for_admin(admin, org_id)
    assert (view.mobile, view.phone, view.reg_type) == ("13912345678", None, None)  # 联系电话 shown as 手机
    form = {k: getattr(view, k) for k in registration.ORG_FIELDS}
    with pytest.raises(ValidationFailed) as err:
        registration.admin_update_org(admin, org_id, {**form, "website": "www.a.cn"}, view.version)
    assert set(err.value.problems) == {"企业网址"}
    registration.admin_update_org(admin, org_id, {**form, "website": "https://www.a.cn", "reg_type": "私营企业"},
                                  view.version)
    after = registration.org_for_admin(admin, org_id)
    assert (after.website, after.reg_type, after.revenue, after.size) == ("https://www.a.cn", "私营企业", 1000.0, "小型")


def test_demo_enterprises_pass_the_rules(db: str) -> None:
    from services.core.demo import seed_demo
    seed_demo(40, seed=5)
    with session_scope() as s:
        orgs = list(s.scalars(select(Organisation).where(Organisation.kind == "enterprise")))
        views = [registration.org_view(o) for o in orgs]
    assert len(views) == 39
    for view in views:
        form = {k: getattr(view, k) for k in registration.ORG_FIELDS}
        problems = {k: v for k, v in validate_org_form(form, "enterprise")[1].items() if v}
        assert not problems, (view.name, problems)
        assert registration.detail_rows(view)[5][1] in REG_TYPES
