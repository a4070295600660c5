"""Sign-in page: errors, throttling, success, sign-out and session revocation."""
from __future__ import annotations

from services.identity import auth
from services.identity.auth import GENERIC_FAILURE
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import sign_in
from tests.pages.helpers import assert_clean, joined, signed_in

SUBMIT = "FormSubmitter:signin-登录"


def attempt(at, username: str, password: str):  # type: ignore[no-untyped-def]
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    return at.button(key=SUBMIT).click().run()


def on_login_page(at) -> bool:  # type: ignore[no-untyped-def]
    return [t.value for t in at.title] == ["惠企 · 企业服务数据平台"] and at.text_input(key="signin_username") is not None


def test_signed_out_visitor_sees_login_form(app) -> None:  # type: ignore[no-untyped-def]
    at = app.run()
    assert_clean(at)
    assert on_login_page(at)
    assert at.session_state["actor"] is None
    assert [b.key for b in at.sidebar.button] == []  # no sign-out button before signing in


def test_wrong_password_shows_generic_error(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_wrong")
    at = attempt(app.run(), "admin_wrong", "Wrong@pass1")
    assert_clean(at)
    assert GENERIC_FAILURE == "用户名或密码错误。"
    assert "用户名或密码错误。" in joined(at.error)
    assert at.session_state["actor"] is None
    assert on_login_page(at)


def test_unknown_user_shows_the_same_message(app) -> None:  # type: ignore[no-untyped-def]
    at = attempt(app.run(), "nobody_here", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert at.session_state["actor"] is None


def test_empty_fields_ask_for_both(app) -> None:  # type: ignore[no-untyped-def]
    at = app.run()
    at.button(key=SUBMIT).click().run()
    assert "请输入用户名和密码。" in joined(at.error)


def test_five_failures_throttle_even_the_right_password(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_thr")
    at = app.run()
    for _ in range(5):
        attempt(at, "admin_thr", "Wrong@pass1")
        assert joined(at.error) == "用户名或密码错误。"
    attempt(at, "admin_thr", PASSWORD)
    assert "登录失败次数过多" in joined(at.error)
    assert at.session_state["actor"] is None
    assert on_login_page(at)


def test_successful_sign_in_lands_on_workbench(app) -> None:  # type: ignore[no-untyped-def]
    actor, _ = make_enterprise_user("320102", status="approved")
    at = sign_in(app, actor.username, PASSWORD)
    assert_clean(at)
    assert at.title[0].value.startswith("您好")
    assert at.session_state["actor"].username == actor.username
    assert at.session_state["auth_token"]
    assert "已通过" in joined(at.info)  # the enterprise sees its registration status
    assert at.sidebar.button(key="signout").label == "退出登录"


def test_sign_out_returns_to_login_and_revokes_the_token(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_out")
    at = sign_in(app, "admin_out", PASSWORD)
    token = at.session_state["auth_token"]
    assert auth.resume(token) is not None
    at.sidebar.button(key="signout").click().run()
    assert_clean(at)
    assert on_login_page(at)
    assert at.session_state["actor"] is None
    assert "auth_token" not in at.session_state
    assert auth.resume(token) is None
    # A further rerun stays signed out (the revoked session is not resumed).
    at.run()
    assert on_login_page(at) and at.session_state["actor"] is None


def test_other_sessions_survive_one_sign_out(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", username="admin_two")
    first = sign_in(app, "admin_two", PASSWORD)
    second = signed_in("admin_two", PASSWORD)
    first.sidebar.button(key="signout").click().run()
    assert auth.resume(second.session_state["auth_token"]) is not None
    second.run()
    assert second.title[0].value.startswith("您好")
