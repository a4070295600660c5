"""The monthly monitoring journey in a real browser against the real app.

An approved demo enterprise in 玄武区 opens 当期报送, goes through 一、基本信息 (prefilled), fills the
indicator grid (pasted into the data editor, as users paste from Excel), skips the optional products,
answers the month's questionnaires and 上报s: 历史报送 shows 审核中. admin_xw returns it with a reason;
the enterprise sees the reason, corrects one cell by typing and resubmits; admin_xw, admin_nj, admin_js
and admin_cn accept it in turn, and the enterprise's 历史报送 shows 审核通过.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

if os.environ.get("HUIQI_SKIP_E2E") == "1":
    pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request", allow_module_level=True)

import yaml  # noqa: E402
from playwright.sync_api import Locator, Page, expect  # noqa: E402 - after the opt-out, so a missing package fails
from sqlalchemy import create_engine, text  # noqa: E402

from services.core.demo import DEMO_PASSWORD  # noqa: E402
from services.monitor.reports import period_options  # noqa: E402 - pure: the months that may be filed now
from tests.e2e.conftest import (  # noqa: E402 - shared Streamlit helpers
    HuiqiApp, choose, expect_no_exception, fill, open_page, settle, sidebar, sign_in, sign_out, text_input)
from tests.monitor.conftest import GOOD  # noqa: E402 - a consistent month

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=1, reruns_delay=2)]

PREFERRED = "qiye_demo"  # the documented demo enterprise in 玄武区
COUNTY = "320102"
SPEC = Path(__file__).resolve().parents[2] / "specs" / "monitor" / "monthly_report.yaml"
REASON = "出口交货值与上月差异较大，请核实后重新上报。"
FIXED_EXPORT = "12"
CHAIN = [("admin_xw", "玄武区管理员"), ("admin_nj", "南京市管理员"), ("admin_js", "江苏省管理员"),
         ("admin_cn", "国家级管理员")]


@dataclass(frozen=True)
class Target:
    username: str
    org_id: int
    name: str
    period: str


def pick_target(app: HuiqiApp) -> Target:
    """An approved enterprise in 玄武区 (``qiye_demo`` first) and its first fileable month with no report yet
    (the current month unless the demo data already reported it)."""
    fileable = period_options()
    engine = create_engine(app.database_url)
    try:
        with engine.connect() as conn:
            orgs = conn.execute(text(
                "SELECT a.username, o.id, o.name FROM account a JOIN organisation o ON o.id = a.org_id "
                "JOIN account_role r ON r.account_id = a.id AND r.role_code = 'enterprise' "
                "WHERE o.kind = 'enterprise' AND o.status = 'approved' AND o.county_code = :county "
                "AND a.status = 'active' ORDER BY CASE WHEN a.username = :preferred THEN 0 ELSE 1 END, o.id"),
                {"county": COUNTY, "preferred": PREFERRED}).all()
            for username, org_id, name in orgs:
                used = set(conn.scalars(text("SELECT period FROM monitor_report WHERE org_id = :o"), {"o": org_id}))
                free = [p for p in fileable if p not in used]
                if free:
                    return Target(username, int(org_id), name, free[0])
    finally:
        engine.dispose()
    raise AssertionError(f"no approved enterprise in {COUNTY} has an unfilled fileable month: {orgs}")


def report_row(app: HuiqiApp, target: Target) -> tuple[int, str, str]:
    """Return (report id, status, the saved 出口交货值 本年本月) of the target month."""
    engine = create_engine(app.database_url)
    try:
        with engine.connect() as conn:
            rid, status, response_id = conn.execute(text(
                "SELECT id, status, response_id FROM monitor_report WHERE org_id = :o AND period = :p"),
                {"o": target.org_id, "p": target.period}).one()
            data = conn.scalar(text("SELECT data FROM response_section WHERE response_id = :r AND section = 'indicators'"),
                               {"r": response_id})
    finally:
        engine.dispose()
    cells = (yaml.safe_load(data) if isinstance(data, str) else data or {}).get("ind", {})
    return int(rid), status, str(cells.get("export", {}).get("cur_m"))


def indicator_tsv() -> str:
    """The 18 indicator rows in the definition's order, four columns each, as copied from a spreadsheet."""
    rows = [r["name"] for r in yaml.safe_load(SPEC.read_text(encoding="utf-8"))["sections"][1]["questions"][0]["rows"]]
    return "\n".join("\t".join(str(v) for v in GOOD[name]) for name in rows)


def main_area(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def by_key(page: Page, key: str) -> Locator:
    """The widget Streamlit rendered with ``key`` (its container carries the class st-key-<key>)."""
    return page.locator(f".st-key-{key}").get_by_role("button")


def heading(page: Page, name: str) -> Locator:
    return main_area(page).get_by_role("heading", name=name).first


def select_grid_cell(page: Page, row: int) -> None:
    """Select the 本年本月 cell of indicator ``row``: click the row's label, then move right. The grid's
    accessibility table marks the selected cell; a click that a late rerun swallowed is repeated."""
    grid = main_area(page).get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    selected = grid.locator(f'[data-testid="glide-cell-1-{row}"][aria-selected="true"]')
    for _ in range(5):
        settle(page)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 30, box["y"] + 35 * (row + 1) + 17)  # the header and each row are 35 px high
        page.keyboard.press("ArrowRight")
        try:
            expect(selected).to_have_count(1, timeout=2000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"could not select row {row} of the indicator grid")


def type_into_cell(page: Page, row: int, value: str) -> None:
    """Open the selected cell's editor (Enter), replace its text and commit (Enter)."""
    select_grid_cell(page, row)
    page.keyboard.press("Enter")
    editor = page.locator("#portal .gdg-input")
    expect(editor).to_be_visible()
    editor.fill(value)
    editor.press("Enter")
    expect(editor).to_have_count(0)


def paste_indicators(page: Page) -> None:
    settle(page)
    select_grid_cell(page, 0)
    page.evaluate("t => navigator.clipboard.writeText(t)", indicator_tsv())
    page.keyboard.press("Control+V")
    expect(main_area(page).get_by_text("共 1 题，已答 1 题，进度 1/1", exact=True)).to_be_visible()
    settle(page)


def next_step(page: Page, expected: str) -> None:
    settle(page)
    main_area(page).get_by_role("button", name="下一步", exact=True).click()
    try:
        expect(heading(page, expected)).to_be_visible()
    except AssertionError:
        raise AssertionError(f"{expected} did not open; messages: {alerts(page)}") from None
    expect_no_exception(page)


def alerts(page: Page) -> list[str]:
    return main_area(page).get_by_test_id("stAlert").all_inner_texts()


def answer_questionnaires(page: Page) -> None:
    """Open each unanswered questionnaire, answer it and submit, until every one shows 问卷已答."""
    main = main_area(page)
    answers = {"与上月相比，本月订单量": "增加", "与上月相比，本月综合成本": "持平", "本月资金状况": "充裕",
               "本月是否受到限电影响": "否"}
    for _ in range(5):
        settle(page)
        start = main.get_by_role("button", name="进入答题")
        if start.count() == 0:
            return
        start.first.click()
        expect(main.get_by_role("button", name="提交", exact=True)).to_be_visible()
        settle(page)
        for label, option in answers.items():
            radio = main.get_by_test_id("stRadio").filter(has_text=label)
            if radio.count():
                radio.get_by_text(option, exact=True).click()
                expect(radio.get_by_role("radio", name=option, exact=True)).to_be_checked()
        box = main.get_by_test_id("stCheckbox").filter(has_text="无明显困难")
        if box.count():
            box.get_by_text("无明显困难", exact=True).click()
            expect(box.get_by_role("checkbox")).to_be_checked()
        settle(page)
        main.get_by_role("button", name="提交", exact=True).click()
        expect(main.get_by_text("已提交。", exact=False).first).to_be_visible()
    raise AssertionError("questionnaires still unanswered after five rounds")


def open_month(page: Page, target: Target) -> None:
    """Open 当期报送 for the target month (the current month is preselected)."""
    open_nav(page, "当期报送", "当期报送")
    if target.period != period_options()[0]:
        choose(page, "报表月份", target.period, f"{target.period}（补报）")
    expect(main_area(page).get_by_text(f"{target.period} 月报", exact=False).first).to_be_visible()
    settle(page)


def report_and_land_on_history(page: Page, report_id: int) -> None:
    expect(heading(page, "四、调查问卷")).to_be_visible()
    answer_questionnaires(page)
    expect(main_area(page).get_by_text("问卷已答").first).to_be_visible()
    settle(page)
    by_key(page, f"mr_submit_{report_id}").click()
    expect(heading(page, "历史报送")).to_be_visible()
    expect(main_area(page).get_by_text("月报已上报，进入审核。", exact=False)).to_be_visible()
    expect_no_exception(page)


def history_status(page: Page, period: str, status: str) -> None:
    """The 历史报送 row of ``period`` shows ``status``."""
    row = main_area(page).get_by_test_id("stHorizontalBlock").filter(has=page.get_by_text(period, exact=True))
    expect(row.get_by_text(status, exact=True)).to_be_visible()


def open_nav(page: Page, link: str, title: str) -> None:
    """Open a page from the sidebar, first expanding a long page list (「View N more」) if needed."""
    settle(page)
    more = sidebar(page).get_by_test_id("stSidebarNavViewButton")
    if more.count() and more.inner_text().startswith("View") and "more" in more.inner_text():
        more.click()
    open_page(page, link, title)


def open_history(page: Page, target: Target) -> None:
    """Open 历史报送 on the target month's year (the current year is preselected)."""
    open_nav(page, "历史报送", "历史报送")
    year = target.period[:4]
    if year != period_options()[0][:4]:
        choose(page, "年份", year, year)
    settle(page)


def open_in_review(page: Page, target: Target, report_id: int) -> None:
    """Open 月报审核 and narrow the queue to the target report (month and enterprise name)."""
    open_nav(page, "月报审核", "月报审核")
    choose(page, "报表月份", target.period, target.period)
    settle(page)
    fill(page, "企业名称 / 统一社会信用代码", target.name)
    text_input(page, "企业名称 / 统一社会信用代码").press("Enter")
    expect(main_area(page).get_by_text("共 1 份月报", exact=True)).to_be_visible()
    expect(main_area(page).get_by_text(f"查看本月（{target.period}）", exact=True)).to_be_visible()
    settle(page)


# --- the journey ------------------------------------------------------------------------------
def test_monthly_report_returned_fixed_and_accepted_up_to_national(page: Page, huiqi_app: HuiqiApp) -> None:
    started = time.monotonic()
    target = pick_target(huiqi_app)
    print(f"monitor journey: {target}")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    main = main_area(page)

    # (1) The enterprise fills the month step by step and reports it.
    page.goto("/")
    sign_in(page, target.username, DEMO_PASSWORD, landing=f"您好，{target.name}")
    open_month(page, target)
    expect(heading(page, "一、企业基本信息")).to_be_visible()
    expect(main.get_by_text("四、调查问卷", exact=False).first).to_be_visible()
    next_step(page, "二、企业主要经济指标")
    paste_indicators(page)
    next_step(page, "三、企业主要产品产销存")
    next_step(page, "四、调查问卷")
    report_id, status, _ = report_row(huiqi_app, target)
    assert status == "editing"
    report_and_land_on_history(page, report_id)
    history_status(page, target.period, "审核中")
    assert report_row(huiqi_app, target)[1] == "reviewing"
    sign_out(page)

    # (2) admin_xw returns it with a reason.
    sign_in(page, "admin_xw", DEMO_PASSWORD, landing="您好，玄武区管理员")
    open_in_review(page, target, report_id)
    reason_box = main.get_by_label("退回原因（必填，150 字以内，企业可见）")
    reason_box.fill(REASON)
    reason_box.press("Control+Enter")
    settle(page)
    by_key(page, f"mrv_return_{report_id}").click()
    expect(main.get_by_text(f"已退回「{target.name}」{target.period} 月报。", exact=True)).to_be_visible()
    assert report_row(huiqi_app, target)[1] == "returned"
    sign_out(page)

    # (3) The enterprise sees the reason, corrects 出口交货值 and resubmits.
    sign_in(page, target.username, DEMO_PASSWORD, landing=f"您好，{target.name}")
    open_history(page, target)
    expect(main.get_by_text(REASON, exact=True)).to_be_visible()
    history_status(page, target.period, "退回")
    settle(page)
    by_key(page, f"mh_edit_{target.period}").click()
    expect(heading(page, "当期报送")).to_be_visible()
    expect(main.get_by_text(f"退回原因：{REASON}", exact=False)).to_be_visible()
    settle(page)
    main.get_by_role("button", name="二、企业主要经济指标", exact=True).click()
    expect(heading(page, "二、企业主要经济指标")).to_be_visible()
    settle(page)
    type_into_cell(page, 1, FIXED_EXPORT)  # 出口交货值 › 本年本月
    settle(page)
    next_step(page, "三、企业主要产品产销存")
    assert report_row(huiqi_app, target)[2] == FIXED_EXPORT
    next_step(page, "四、调查问卷")
    report_and_land_on_history(page, report_id)
    history_status(page, target.period, "审核中")
    sign_out(page)

    # (4) County, city, province and national accept it in turn.
    for username, name in CHAIN:
        sign_in(page, username, DEMO_PASSWORD, landing=f"您好，{name}")
        open_in_review(page, target, report_id)
        by_key(page, f"mrv_accept_{report_id}").click()
        final = username == "admin_cn"
        expect(main.get_by_text(f"已接收「{target.name}」{target.period} 月报，" +
                                ("审核通过。" if final else "已报送上级审核。"), exact=True)).to_be_visible()
        expect_no_exception(page)
        sign_out(page)
    assert report_row(huiqi_app, target)[1] == "accepted"

    # (5) The enterprise's 历史报送 shows 审核通过.
    sign_in(page, target.username, DEMO_PASSWORD, landing=f"您好，{target.name}")
    open_history(page, target)
    history_status(page, target.period, "审核通过")
    expect_no_exception(page)
    print(f"monitor journey: {time.monotonic() - started:.1f} s ({target.username}, {target.period})")
