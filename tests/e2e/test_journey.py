"""The registration journey in a real browser against the real app.

An enterprise registers (account, then organisation details), a county administrator approves
it, and the enterprise sees the result. Along the way: a page reload keeps a signed-in user
signed in (the session cookie is resumed), and after signing out neither a reload nor the old
cookie put back into the browser signs anyone in (the session is revoked server-side).
"""
from __future__ import annotations

import os
import secrets
import time

import pytest

if os.environ.get("HUIQI_SKIP_E2E") == "1":
    pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402 - after the opt-out, so a missing package fails

from services.core.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402 - shared Streamlit helpers
    COOKIE_NAME, choose, cookie_deleted, expect_no_exception, expect_signed_in_as, expect_signed_out, fill, open_page,
    reload, session_cookie, settle, sign_in, sign_out)
from tests.factories import credit_code  # noqa: E402

# One rerun: a journey drives a live server and browser, where a click can race a rerun.
pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=1, reruns_delay=2)]

FINAL_SCREENSHOT = "/tmp/huiqi-e2e-final.png"
COOKIE = COOKIE_NAME  # the app under test is started with HUIQI_COOKIE_NAME set to this
PASSWORD = "Qiye#2026go"
INDUSTRY_PATH = "制造业→通用设备制造业→锅炉及原动设备制造→锅炉及辅助设备制造（3411）"


def pick_radio(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit radio group labelled ``label``."""
    group = page.get_by_role("radiogroup", name=label)
    group.get_by_text(option, exact=True).click()
    expect(group.get_by_role("radio", name=option)).to_be_checked()


def fill_date(page: Page, label: str, value: str) -> None:
    """Type a YYYY-MM-DD date into a Streamlit date input (a year / month / day field group)."""
    year, month, day = value.split("-")
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(year + month + day)  # each part moves on to the next when complete
    page.keyboard.press("Enter")
    for part, text in (("year", year), ("month", month), ("day", day)):
        expect(page.get_by_role("spinbutton", name=f"{part}, {label}")).to_have_text(text)


# --- the journey ------------------------------------------------------------------------------
def test_enterprise_registers_and_county_admin_approves(page: Page) -> None:
    suffix = secrets.token_hex(2)  # fresh names, so a rerun of this journey starts clean
    username, org_name = f"e2e_qiye{suffix}", f"玄武端到端{suffix}精密机械有限公司"
    started = time.monotonic()

    # (1) Account: the public 注册 page, reached from the sign-in page's link.
    page.goto("/")
    expect_signed_out(page)
    settle(page)
    page.get_by_role("link", name="还没有账户？企业 / 服务商注册").click()
    expect(page.get_by_role("heading", name="欢迎注册").first).to_be_visible()
    fill(page, "用户名 *", username)
    fill(page, "手机号 *", "13800138000")
    fill(page, "电子邮箱", "e2e@example.com")
    fill(page, "密码 *", PASSWORD)
    fill(page, "确认密码 *", PASSWORD)
    page.get_by_text("我已阅读并同意《用户服务协议》和《隐私声明》").click()
    expect(page.get_by_role("checkbox", name="我已阅读并同意《用户服务协议》和《隐私声明》")).to_be_checked()
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="单位注册信息").first).to_be_visible()
    expect_signed_in_as(page, username)
    expect_no_exception(page)

    # A reload resumes the session from the signed cookie.
    session_cookie(page)
    reload(page)
    expect(page.get_by_role("heading", name="单位注册信息").first).to_be_visible()
    expect_signed_in_as(page, username)

    # (2) Organisation details, then submit for review.
    code = credit_code("320102")
    fill(page, "企业名称 *", org_name)
    fill(page, "统一社会信用代码 *", code)
    fill(page, "法人代表 *", "张三")
    choose(page, "门类", "制造业", "C 制造业")
    choose(page, "大类", "通用设备", "34 通用设备制造业")
    choose(page, "中类", "锅炉", "341 锅炉及原动设备制造")
    choose(page, "小类", "锅炉及辅助", "3411 锅炉及辅助设备制造")
    choose(page, "省", "江苏", "江苏省")
    choose(page, "市", "南京", "南京市")
    choose(page, "区县", "玄武", "玄武区")
    choose(page, "注册类型 *", "其他有限", "其他有限责任公司")
    pick_radio(page, "控股类型 *", "私人控股")
    fill(page, "上年末营业收入（千元） *", "50000")
    fill(page, "上年末从业人数（人） *", "120")
    fill(page, "上年末资产总计（千元） *", "80000")
    pick_radio(page, "是否上市 *", "否")
    fill(page, "通讯地址 *", "玄武大道 1 号")
    fill(page, "邮政编码 *", "210018")
    fill_date(page, "开业时间 *", "2015-06-01")
    fill(page, "企业网址", "http://www.example.com")
    fill(page, "联系人 *", "李四")
    fill(page, "电话", "025-12345678")
    fill(page, "手机", "13912345678")
    business = page.locator('textarea[aria-label="主营业务/主要产品 *"]')
    business.fill("锅炉辅机及通用机械零部件")
    business.press("Control+Enter")  # a text area sends its value on Ctrl+Enter or blur
    expect(page.get_by_text("企业规模（按工信部联企业〔2011〕300号自动计算）：小型")).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("审核状态：待审核")).to_be_visible()
    expect(page.get_by_text("③ 等待审核")).to_be_visible()
    expect(page.get_by_role("cell", name=INDUSTRY_PATH)).to_be_visible()  # the details table
    expect(page.get_by_role("cell", name="其他有限责任公司")).to_be_visible()
    expect_no_exception(page)

    # Sign out: the session is revoked, so neither a reload nor the old cookie signs back in.
    revoked = session_cookie(page)
    settle(page)
    sign_out(page)
    cookie_deleted(page)
    reload(page)
    expect_signed_out(page)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": COOKIE, "value": revoked, "domain": "127.0.0.1", "path": "/"}])
    reload(page)
    expect_signed_out(page)

    # (3) The county administrator of 玄武区 approves the application.
    sign_in(page, "admin_xw", DEMO_PASSWORD, landing="您好，玄武区管理员")
    expect_signed_in_as(page, "玄武区管理员")
    open_page(page, "注册审核", "注册审核")
    choose(page, "选择申请", org_name, f"{org_name}（{code}）")
    expect(page.get_by_role("heading", name=org_name).first).to_be_visible()
    expect(page.get_by_role("cell", name="江苏省 / 南京市 / 玄武区")).to_be_visible()
    expect(page.get_by_role("cell", name=INDUSTRY_PATH)).to_be_visible()
    expect(page.get_by_role("cell", name="025-12345678")).to_be_visible()
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text(f"「{org_name}」已通过，申请人登录后即可看到结果（已发送站内消息）。")).to_be_visible()
    expect_no_exception(page)
    sign_out(page)

    # (4) The enterprise signs in and sees the result; a reload keeps it signed in.
    sign_in(page, username, PASSWORD, landing=f"您好，{username}")
    expect(page.get_by_text("单位注册状态：已通过")).to_be_visible()
    reload(page)
    expect(page.get_by_text("单位注册状态：已通过")).to_be_visible()
    expect_signed_in_as(page, username)
    open_page(page, "单位注册信息", "单位注册信息")
    expect(page.get_by_text("审核状态：已通过")).to_be_visible()
    expect(page.get_by_text("③ 注册完成")).to_be_visible()
    expect_no_exception(page)

    page.screenshot(path=FINAL_SCREENSHOT, full_page=True)
    assert time.monotonic() - started < 120, "the journey should take well under two minutes"
