"""个人中心 (pages/common/profile.py): profile edits and password change (which signs every session out)."""
from __future__ import annotations

from services.identity import auth
from services.core.errors import ServiceError
from tests.factories import PASSWORD, make_enterprise_user
from tests.pages.helpers import assert_clean, by_label, joined, signed_in

NEW_PASSWORD = "Fresh@pass22"
PW_SUBMIT = "FormSubmitter:password-确认"


def profile_page(username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    at = signed_in(username, password)
    at.switch_page("pages/common/profile.py").run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["个人中心"]
    return at


def change(at, old: str, new: str, new2: str | None = None):  # type: ignore[no-untyped-def]
    by_label(at.text_input, "原密码 *").input(old)
    by_label(at.text_input, "新密码 *").input(new)
    by_label(at.text_input, "确认新密码 *").input(new if new2 is None else new2)
    return at.button(key=PW_SUBMIT).click().run()


def can_sign_in(username: str, password: str) -> bool:
    try:
        auth.sign_in(username, password, client="profile-check")
    except ServiceError:
        return False
    return True


def test_profile_shows_own_account(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    at = profile_page(actor.username)
    assert f"用户名：`{actor.username}`" in joined(at.markdown)
    assert by_label(at.text_input, "手机号").value == "13800000000"


def test_wrong_old_password_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    at = profile_page(actor.username)
    change(at, "Wrong@pass1", NEW_PASSWORD)
    assert_clean(at)
    assert "原密码" in joined(at.error)
    assert [t.value for t in at.title] == ["个人中心"]  # still signed in
    assert auth.resume(at.session_state["auth_token"]) is not None
    assert can_sign_in(actor.username, PASSWORD) and not can_sign_in(actor.username, NEW_PASSWORD)


def test_weak_or_mismatched_new_password_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    at = profile_page(actor.username)
    change(at, PASSWORD, "short")
    assert "新密码：" in joined(at.error)
    change(at, PASSWORD, NEW_PASSWORD, "Other@pass22")
    assert "确认新密码：与新密码不一致。" in joined(at.error)
    assert can_sign_in(actor.username, PASSWORD)


def test_valid_change_signs_out_everywhere(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    other_tab = signed_in(actor.username, PASSWORD)
    at = profile_page(actor.username)
    token = at.session_state["auth_token"]
    change(at, PASSWORD, NEW_PASSWORD)
    assert_clean(at)
    assert at.session_state["actor"] is None
    assert [t.value for t in at.title] == ["惠企 · 企业服务数据平台"]
    assert "密码已修改" in joined(at.success)
    assert auth.resume(token) is None
    assert auth.resume(other_tab.session_state["auth_token"]) is None  # every session is revoked
    other_tab.run()
    assert other_tab.session_state["actor"] is None
    assert can_sign_in(actor.username, NEW_PASSWORD) and not can_sign_in(actor.username, PASSWORD)


def test_new_password_works_on_the_login_page(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    at = profile_page(actor.username)
    change(at, PASSWORD, NEW_PASSWORD)
    at.text_input(key="signin_username").input(actor.username)
    at.text_input(key="signin_password").input(NEW_PASSWORD)
    at.button(key="FormSubmitter:signin-登录").click().run()
    at.run()
    assert at.session_state["actor"].username == actor.username
    # AppTest keeps requesting the page last passed to switch_page (profile), which is valid again.
    assert [t.value for t in at.title] == ["个人中心"]
    at.switch_page("pages/common/home.py").run()
    assert at.title[0].value.startswith("您好")


def test_profile_update_validates_phone(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102")
    at = profile_page(actor.username)
    by_label(at.text_input, "手机号").input("123")
    at.button(key="FormSubmitter:profile-保存").click().run()
    assert "手机号：" in joined(at.error)
    by_label(at.text_input, "手机号").input("13700001111")
    by_label(at.text_input, "名称").input("新名字")
    at.button(key="FormSubmitter:profile-保存").click().run()
    assert "已保存。" in joined(at.success)
    again = profile_page(actor.username)
    assert by_label(again.text_input, "手机号").value == "13700001111"
    assert by_label(again.text_input, "名称").value == "新名字"
