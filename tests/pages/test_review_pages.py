"""Registration review by a county administrator (pages/orgs/review_registrations.py)."""
from __future__ import annotations

from db.engine import session_scope
from db.organisation import Organisation
from services.orgs import registration
from services.identity.accounts import create_account
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user, make_org, org_form
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

REVIEW = "pages/orgs/review_registrations.py"


def org_row(org_id: int) -> tuple[str, str | None, int | None]:
    with session_scope() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        return org.status, org.return_reason, org.reviewed_by


def review_page(username: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(REVIEW).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["注册审核"]
    return at


def queue_names(at) -> list[str]:  # type: ignore[no-untyped-def]
    if not at.dataframe:
        return []
    return list(at.dataframe[0].value["企业名称"])


def org_name(org_id: int) -> str:
    with session_scope() as session:
        return session.get(Organisation, org_id).name  # type: ignore[union-attr]


def test_admin_approves_a_pending_registration(app) -> None:  # type: ignore[no-untyped-def]
    admin = make_admin("320102", username="admin_xw")
    enterprise, org_id = make_enterprise_user("320102", status="pending")
    at = review_page("admin_xw")
    assert queue_names(at) == [org_name(org_id)]
    assert at.metric[0].label == "待审核" and at.metric[0].value == "1"
    at.button(key=f"approve_{org_id}").click().run()
    assert_clean(at)
    assert org_row(org_id) == ("approved", None, admin.account_id)
    assert "没有符合条件的申请。" in joined(at.info)  # the pending queue is now empty
    assert at.metric[1].label == "已通过" and at.metric[1].value == "1"
    # The approved application is listed under 已通过.
    by_label(at.selectbox, "状态").select("approved").run()
    assert queue_names(at) == [org_name(org_id)]
    # The applicant now lands on the workbench with the approved status.
    mine = signed_in(enterprise.username, PASSWORD)
    assert mine.title[0].value.startswith("您好") and "已通过" in joined(mine.info)


def test_return_requires_a_reason(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_rr")
    _, org_id = make_enterprise_user("320102", status="pending")
    at = review_page("admin_rr")
    at.button(key=f"return_{org_id}").click().run()
    assert_clean(at)
    assert "退回原因" in joined(at.error)
    assert org_row(org_id)[0] == "pending"
    at.text_area(key=f"reason_{org_id}").input("   ").run()
    at.button(key=f"return_{org_id}").click().run()
    assert "退回原因" in joined(at.error)
    assert org_row(org_id)[0] == "pending"


def test_returned_registration_shows_reason_to_applicant(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_ret")
    enterprise, org_id = make_enterprise_user("320102", status="pending")
    at = review_page("admin_ret")
    at.text_area(key=f"reason_{org_id}").input("营业执照信息与名称不符").run()
    at.button(key=f"return_{org_id}").click().run()
    assert_clean(at)
    status, reason, _ = org_row(org_id)
    assert (status, reason) == ("returned", "营业执照信息与名称不符")
    by_label(at.selectbox, "状态").select("returned").run()
    assert queue_names(at) == [org_name(org_id)]
    assert "退回原因：营业执照信息与名称不符" in joined(at.caption)

    mine = signed_in(enterprise.username, PASSWORD)
    assert [t.value for t in mine.title] == ["单位注册信息"]
    warnings = joined(mine.warning)
    assert "已退回" in warnings and "营业执照信息与名称不符" in warnings
    # The returned form is editable again, prefilled from the organisation.
    assert mine.text_input(key="reg_name").value == org_name(org_id)


def test_queue_is_limited_to_the_jurisdiction(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_only_xw")
    make_org("320102", status="pending", name="玄武待审有限公司")
    make_org("320106", status="pending", name="鼓楼待审有限公司")
    at = review_page("admin_only_xw")
    assert queue_names(at) == ["玄武待审有限公司"]
    options = " ".join(by_label(at.selectbox, "选择申请").options)
    assert "玄武待审有限公司" in options and "鼓楼待审有限公司" not in options
    assert at.metric[0].value == "1"
    # The other county's administrator sees only theirs.
    make_admin("320106", username="admin_only_gl")
    gl = review_page("admin_only_gl")
    assert queue_names(gl) == ["鼓楼待审有限公司"]


def test_city_admin_sees_all_its_counties(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320100", username="admin_nj")
    make_org("320102", status="pending", name="玄武甲有限公司")
    make_org("320106", status="pending", name="鼓楼乙有限公司")
    make_org("320205", status="pending", name="锡山丙有限公司")
    at = review_page("admin_nj")
    assert sorted(queue_names(at)) == sorted(["玄武甲有限公司", "鼓楼乙有限公司"])


def test_keyword_filters_the_queue(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_kw")
    make_org("320102", status="pending", name="玄武丁有限公司")
    make_org("320102", status="pending", name="玄武戊有限公司")
    at = review_page("admin_kw")
    assert len(queue_names(at)) == 2
    by_label(at.text_input, "企业名称 / 统一社会信用代码").input("戊").run()
    assert queue_names(at) == ["玄武戊有限公司"]
    assert registration.review_counts(at.session_state["actor"]) == {"pending": 2}


def test_returned_registration_can_be_corrected_and_resubmitted(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_re")
    create_account("resubmit_co", PASSWORD, ["enterprise"], phone="13800000001")
    org_id = registration.submit_org(actor_of("resubmit_co"), org_form("320102", name="原名称有限公司"))
    at = review_page("admin_re")
    at.text_area(key=f"reason_{org_id}").input("名称与营业执照不一致").run()
    at.button(key=f"return_{org_id}").click().run()
    assert org_row(org_id)[0] == "returned"

    mine = signed_in("resubmit_co", PASSWORD)
    assert "名称与营业执照不一致" in joined(mine.warning)
    assert mine.text_input(key="reg_name").value == "原名称有限公司"
    assert mine.selectbox(key="reg_region_2").value == "320102"
    assert mine.selectbox(key="reg_industry_3").value == "3411"
    mine.text_input(key="reg_name").input("更正名称有限公司").run()
    by_label(mine.button, "提交审核").click().run()
    assert_clean(mine)
    assert not mine.error, joined(mine.error)
    assert "待审核" in joined(mine.info)
    assert org_row(org_id)[:2] == ("pending", None)
    assert org_name(org_id) == "更正名称有限公司"

    at.run()  # the reviewer's queue shows the corrected application again
    assert queue_names(at) == ["更正名称有限公司"]


DETAIL = [("企业名称", "详细表测试股份有限公司"), ("统一社会信用代码", None), ("法人代表", "张三"),
          ("所在地区", "江苏省 / 南京市 / 玄武区"),
          ("所属行业", "制造业→通用设备制造业→锅炉及原动设备制造→锅炉及辅助设备制造（3411）"),
          ("注册类型", "股份有限公司"), ("控股类型", "私人控股"), ("企业规模", "小型"),
          ("上年末营业收入（千元）", "50000"), ("上年末从业人数（人）", "120"), ("上年末资产总计（千元）", "80000"),
          ("是否上市", "是"), ("股票代码", "600519"), ("企业网址", "http://www.example.com"), ("邮政编码", "210018"),
          ("通讯地址", "测试路 1 号"), ("联系人", "李四"), ("电话", "025-12345678"), ("传真", "025-12345679"),
          ("手机", "13912345678"), ("电子邮箱", "info@example.com"), ("开业时间", "2015-06-01"),
          ("主营业务/主要产品", "锅炉辅机及通用机械零部件")]


def test_detail_table_shows_every_field_and_approval_notifies(app) -> None:  # type: ignore[no-untyped-def]
    from services.core import notify
    make_admin("320102", username="admin_dt")
    create_account("detail_co", PASSWORD, ["enterprise"], phone="13800000002")
    applicant = actor_of("detail_co")
    org_id = registration.submit_org(applicant, org_form("320102", name="详细表测试股份有限公司", listed="是",
                                                         stock_code="600519", reg_type="股份有限公司",
                                                         fax="025-12345679"))
    at = review_page("admin_dt")
    table = joined(at.markdown)
    for label, value in DETAIL:
        value = value or registration.my_org(applicant).credit_code
        assert f"| {label} | {value} |" in table, (label, table)
    at.button(key=f"approve_{org_id}").click().run()
    assert_clean(at)
    assert "已发送站内消息" in joined(at.success)
    notes = notify.inbox(applicant)
    assert [n.title for n in notes] == ["注册审核已通过"] and "详细表测试股份有限公司" in notes[0].body


def test_return_notifies_with_the_reason(app) -> None:  # type: ignore[no-untyped-def]
    from services.core import notify
    make_admin("320102", username="admin_rn")
    create_account("return_co", PASSWORD, ["enterprise"], phone="13800000003")
    applicant = actor_of("return_co")
    org_id = registration.submit_org(applicant, org_form("320102"))
    at = review_page("admin_rn")
    at.text_area(key=f"reason_{org_id}").input("开业时间与营业执照不一致").run()
    at.button(key=f"return_{org_id}").click().run()
    assert_clean(at)
    notes = notify.inbox(applicant)
    assert [n.title for n in notes] == ["注册信息被退回"] and "开业时间与营业执照不一致" in notes[0].body
