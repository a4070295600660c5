"""Pages of issue 16's provider part: 服务商认证审核, 用户管理, 专家团队, 企业需求收集, 我的待办 (AppTest)."""
from __future__ import annotations

import io
import re

from PIL import Image

from components import nav
from db.engine import session_scope
from db.forms import FormResponse
from db.organisation import Organisation
from services.forms import definitions
from services.core.permissions import P_MARKET_SELL
from services.market import providers
from tests.factories import PASSWORD
from tests.market.factories import make_person, make_provider
from tests.pages.helpers import assert_clean, fresh_app, joined, registered_pages, signed_in

PW = "Staff@pass9"


def test_operator_certifies_a_provider_on_the_page(app) -> None:  # type: ignore[no-untyped-def]
    operator = make_person("operator")
    _, org_id = make_provider(status="pending")
    at = signed_in(operator.username, PASSWORD)
    assert "pages/market/certification.py" in registered_pages(at)
    assert "pages/orgs/review_registrations.py" not in registered_pages(at)
    at.switch_page("pages/market/certification.py").run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["服务商认证审核"]
    assert at.dataframe[0].value["类型"].tolist() == ["服务商"]
    at.button(key=f"approve_{org_id}").click().run()
    assert_clean(at)
    with session_scope() as s:
        assert s.get(Organisation, org_id).status == "approved"  # type: ignore[union-attr]


def test_provider_adds_a_user_and_makes_them_expert(app) -> None:  # type: ignore[no-untyped-def]
    main, _ = make_provider()
    at = signed_in(main.username, PASSWORD)
    at.switch_page("pages/market/provider_users.py").run()
    assert_clean(at)
    at.text_input(key="pu_username").input("ab")
    at.text_input(key="pu_phone").input("13800000001")
    at.text_input(key="pu_pw").input(PW)
    at.text_input(key="pu_pw2").input(PW)
    at.button(key="FormSubmitter:pu_add-确认").click().run()
    assert "用户名：须为 6–30 位英文字母、数字或下划线。" in joined(at.error)
    at.text_input(key="pu_username").input("staff_page1")
    at.button(key="FormSubmitter:pu_add-确认").click().run()
    assert_clean(at)
    assert "新增成功。" in joined(at.success)
    assert at.dataframe[0].value["用户名"].tolist() == [main.username, "staff_page1"]
    # 专家团队 (public, signed in here) lists nobody yet
    uid = providers.list_users(main)[1].id
    buf = io.BytesIO()
    Image.new("RGB", (30, 40)).save(buf, format="PNG")
    providers.set_expert(main, uid, region_code="370102", years=8, fields=["工业软件"],
                         intro="**粗体**<script>alert(1)</script>", photo=buf.getvalue(), photo_name="a.png")
    team = fresh_app()
    team.run()
    team.switch_page("pages/market/experts.py").run()
    assert_clean(team)
    assert [t.value for t in team.title] == ["专家团队"]
    shown = "\n".join(m.value for m in team.markdown)
    assert "\\*\\*粗体\\*\\*" in shown and "<script>" not in shown.replace("\\<script\\>", "")
    assert len(team.get("image")) == 1


def test_staff_do_not_get_user_management_and_see_only_granted_menus(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    main, _ = make_provider()
    uid = providers.add_user(main, "staff_page2", "13800000002", PW, PW)
    at = signed_in("staff_page2", PW)
    assert "pages/market/provider_users.py" not in registered_pages(at)
    assert "pages/market/provider_users.py" in registered_pages(signed_in(main.username, PASSWORD))
    # a page declared with a provider menu is listed for a staff account only once that menu is granted
    goods = nav.PageSpec("pages/market/experts.py", "我的商品", ":material/inventory:", "服务市场", P_MARKET_SELL,
                         menu="我的商品")
    monkeypatch.setattr(nav, "PAGES", [p for p in nav.PAGES if p.path != goods.path] + [goods])
    staff = at.session_state["actor"]
    assert "我的商品" not in [p.title for p in nav.visible_pages(staff)]
    providers.set_menus(main, uid, ["我的商品"])
    assert "我的商品" in [p.title for p in nav.visible_pages(staff)]
    assert "我的商品" in [p.title for p in nav.visible_pages(main)]


def test_needs_survey_without_an_account(app) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs()
    at = app.run()
    assert "pages/market/needs_survey.py" in registered_pages(at)
    at.switch_page("pages/market/needs_survey.py").run()
    assert_clean(at)
    k = lambda name: f"fr_0_{name}"  # noqa: E731
    at.text_input(key=k("it_staff")).input("3")
    at.text_input(key=k("it_budget")).input("10")
    at.radio(key=k("has_systems")).set_value("0").run()
    at.checkbox(key=k("wanted__opt_cloud")).check().run()
    at.text_input(key="ns_answer").input("9999")
    at.button(key="ns_submit").click().run()
    assert_clean(at)
    assert "验证题：答案不正确，请重新计算后填写（已换一道新题）。" in joined(at.error)
    assert at.text_input(key="ns_answer").value == ""
    question = next(t.label for t in at.text_input if t.label.startswith("验证题"))
    a, op, b = re.search(r"(\d+) \\?([+−]) (\d+)", question).groups()  # the label is Markdown-escaped (\+)  # type: ignore[union-attr]
    at.radio(key=k("urgency")).set_value("4")
    at.text_input(key="ns_answer").input(str(int(a) + int(b) if op == "+" else int(a) - int(b)))
    at.button(key="ns_submit").click().run()
    assert_clean(at)
    assert "提交成功" in joined(at.success), joined(at.error)
    with session_scope() as s:
        assert s.query(FormResponse).filter(FormResponse.org_id.is_(None)).count() == 1


def test_todo_page_for_operator(app) -> None:  # type: ignore[no-untyped-def]
    operator = make_person("operator")
    make_provider(status="pending")
    at = signed_in(operator.username, PASSWORD)
    at.switch_page("pages/market/todo.py").run()
    assert_clean(at)
    assert at.dataframe[0].value["申请类型"].tolist() == ["单位认证"]
