"""用户管理 (pages/admin/accounts_admin.py): jurisdiction-limited search and account actions."""
from __future__ import annotations

from db.account import Account
from db.engine import session_scope
from services.identity import auth
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

ACCOUNTS = "pages/admin/accounts_admin.py"


def accounts_page(username: str):  # type: ignore[no-untyped-def]
    at = signed_in(username, PASSWORD)
    at.switch_page(ACCOUNTS).run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["用户管理"]
    return at


def search(at, keyword: str):  # type: ignore[no-untyped-def]
    by_label(at.text_input, "关键词").input(keyword).run()
    assert_clean(at)
    return at


def listed(at) -> set[str]:  # type: ignore[no-untyped-def]
    return set(at.dataframe[0].value["用户名"]) if at.dataframe else set()


def test_city_admin_search_is_limited_to_its_counties(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320100", username="admin_nj_city")
    xuanwu, _ = make_enterprise_user("320102")
    gulou, _ = make_enterprise_user("320106")
    wuxi, _ = make_enterprise_user("320205")
    at = accounts_page("admin_nj_city")
    search(at, "直建")  # every factory organisation is named 直建N号有限公司
    assert listed(at) == {xuanwu.username, gulou.username}
    assert "共 2 个账户" in joined(at.caption)
    assert all(name.startswith("直建") for name in at.dataframe[0].value["单位"])
    # Searching for the other city's account by its exact username finds nothing.
    search(at, wuxi.username)
    assert listed(at) == set()
    assert "共 0 个账户" in joined(at.caption)


def test_city_admin_sees_county_admins_but_not_other_cities(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320100", username="admin_nj_c2")
    make_admin("320102", username="admin_xw_c2")
    make_admin("320205", username="admin_xs_c2")
    at = accounts_page("admin_nj_c2")
    search(at, "admin_")
    assert listed(at) == {"admin_xw_c2"}  # neither another city nor oneself (个人中心 is for that)


def test_county_admin_does_not_see_neighbouring_county(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_xw_c3")
    xuanwu, _ = make_enterprise_user("320102")
    gulou, _ = make_enterprise_user("320106")
    at = accounts_page("admin_xw_c3")
    search(at, "qy")
    assert listed(at) == {xuanwu.username}
    search(at, gulou.username)
    assert listed(at) == set()


def test_admin_resets_password_and_disables_account(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320100", username="admin_nj_act")
    user, _ = make_enterprise_user("320102")
    user_tab = signed_in(user.username, PASSWORD)
    at = search(accounts_page("admin_nj_act"), user.username)
    assert listed(at) == {user.username}
    with session_scope() as session:
        user_id = session.query(Account.id).filter_by(username=user.username).scalar()

    by_label(at.text_input, "新密码").input("weak")
    at.button(key=f"FormSubmitter:reset_{user_id}-重置密码").click().run()
    assert "新密码：" in joined(at.error)
    by_label(at.text_input, "新密码").input("Reset@pass33")
    at.button(key=f"FormSubmitter:reset_{user_id}-重置密码").click().run()
    assert_clean(at)
    assert "密码已重置" in joined(at.success)
    assert auth.resume(user_tab.session_state["auth_token"]) is None  # the user's sessions are revoked
    auth.sign_in(user.username, "Reset@pass33", client="accounts-check")

    at.button(key=f"status_{user_id}").click().run()
    assert_clean(at)
    with session_scope() as session:
        assert session.get(Account, user_id).status == "disabled"  # type: ignore[union-attr]
    assert at.button(key=f"status_{user_id}").label == "启用账户"
    assert set(at.dataframe[0].value["状态"]) == {"停用"}


def test_admin_corrects_org_details_from_user_management(app) -> None:  # type: ignore[no-untyped-def]
    """用户管理 → 单位信息: the admin changes the name; the row and its audit change."""
    from services.identity import accounts as acc_service
    from services.orgs import registration
    from tests.factories import PASSWORD, make_admin, make_enterprise_user
    from tests.pages.conftest import sign_in
    user, org_id = make_enterprise_user("320102")
    make_admin("320100", username="nj_fixer")
    at = sign_in(app, "nj_fixer", PASSWORD)
    at.switch_page("pages/admin/accounts_admin.py").run()
    at.text_input[0].input(user.username).run()
    prefix = f"adm_org_{org_id}"
    at.text_input(key=f"{prefix}_name").input("更正名称测试有限公司").run()
    at.button(key=f"{prefix}_save").click().run()
    assert not at.exception
    assert any("已更正" in s.value for s in at.success), [e.value for e in at.error]
    admin = next(a for a in acc_service.search_accounts(make_admin(None), keyword="nj_fixer"))
    assert admin.username == "nj_fixer"
    assert registration.my_org(user).name == "更正名称测试有限公司"
