"""企业背景信息 page: the registration's answers shown read-only, 暂存 restores in a new browser session,
提交 shows the engine's Chinese messages, then succeeds and the reviewer's detail lists the answers."""
from __future__ import annotations

from services.market import background
from services.orgs import registration
from tests.factories import PASSWORD, make_enterprise_user
from tests.market.background_data import answers, png
from tests.pages.helpers import assert_clean, joined, signed_in

PAGE = "pages/market/enterprise_background.py"


def test_fill_save_restore_and_submit(app) -> None:  # type: ignore[no-untyped-def]
    actor, org_id = make_enterprise_user("370102", status="pending")
    at = signed_in(actor.username, PASSWORD)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["企业背景信息"]
    name = at.text_input(key="bg_q_name")
    assert name.disabled and name.value.endswith("有限公司")
    at.text_input(key="bg_q_contact_title").input("总经理")
    at.text_input(key="bg_q_staff_total").input("10")
    at.text_input(key="bg_q_staff_rnd").input("11")
    at.button(key="bg_save").click().run()
    assert_clean(at)
    assert "已暂存" in joined(at.success)
    assert "研发人员（人）：不能多于从业人员总数。" in joined(at.warning)
    again = signed_in(actor.username, PASSWORD)       # the browser was closed
    again.switch_page(PAGE).run()
    assert again.text_input(key="bg_q_contact_title").value == "总经理"
    assert again.text_input(key="bg_q_staff_rnd").value == "11"
    again.button(key="bg_submit").click().run()
    assert_clean(again)
    errors = joined(again.error)
    assert "企业营业执照：必填项，请填写。" in errors and "研发人员（人）：不能多于从业人员总数。" in errors
    assert background.form(actor).status == "draft"
    # the rest through the service (the uploader is not drivable in AppTest), then the page shows 已提交
    background.submit(actor, answers(license=background.store_license(actor, png(), "yyzz.png")))
    done = signed_in(actor.username, PASSWORD)
    done.switch_page(PAGE).run()
    assert_clean(done)
    assert any("已提交" in m.value for m in done.markdown)
    rows = dict(registration.detail_rows(registration.my_org(actor)))
    assert rows["人员·从业人员总数（人）"] == "120"
