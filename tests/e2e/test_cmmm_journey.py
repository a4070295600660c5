"""The CMMM self-diagnosis journey in a real browser against the real app.

An approved manufacturer in 玄武区 reads the notes, tailors two capability domains, answers level 1
(全部满足: achieved, so after the 3-second pause level 2 follows), answers level 2 (不满足: not
achieved, so on to the effectiveness indicators), fills the 14 indicators and submits. The results
show the total score and the level, and the PDF report downloads. Then the county administrator
finds the diagnosis in 自诊断记录查询 and exports it to Excel, where the credit code is text.
"""
from __future__ import annotations

import io
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

if os.environ.get("HUIQI_SKIP_E2E") == "1":
    pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request", allow_module_level=True)

from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import Locator, Page, expect  # noqa: E402 - after the opt-out, so a missing package fails
from sqlalchemy import create_engine, text  # noqa: E402

from services.cmmm.diagnosis import china_now  # noqa: E402
from services.forms.definitions import SPECS  # noqa: E402
from services.forms.loader import load_file  # noqa: E402

MODEL = load_file(SPECS / "cmmm" / "self_diagnosis.yaml").assessment  # the levels, limit and pause, as declared
assert MODEL is not None and MODEL.limit_max is not None
ADVANCE_SECONDS, MAX_PER_MONTH = MODEL.advance_seconds, MODEL.limit_max
LEVEL_NAMES = {t.level: t.label for t in MODEL.tiers}
from services.core.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402 - shared Streamlit helpers
    HuiqiApp, expect_no_exception, expect_signed_in_as, open_page, server_runs, settle, sign_in, sign_out, text_input)

# One rerun: a journey drives a live server and browser, where a click can race a rerun.
pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=1, reruns_delay=2)]

RESULTS_SCREENSHOT = "/tmp/huiqi-cmmm-results.png"
PDF_PATH = Path("/tmp/huiqi-cmmm-report.pdf")
XLSX_PATH = Path("/tmp/huiqi-cmmm-records.xlsx")
PREFERRED = "qiye_demo"  # the documented demo manufacturer in 玄武区
COUNTY = "320102"        # 玄武区, governed by admin_xw
TAILOR = ["设计（产品设计、工艺设计）", "物流"]


@dataclass(frozen=True)
class Enterprise:
    username: str
    org_id: int
    name: str
    credit_code: str
    in_progress: bool
    completed: bool


def pick_enterprise(app: HuiqiApp) -> Enterprise:
    """An approved manufacturer (GB/T 4754 divisions 13–43) in 玄武区 that may still start a diagnosis this month.

    ``qiye_demo`` when it qualifies. Whether a seeded diagnosis is in progress is reported, so the
    journey can abandon it first.
    """
    month = china_now().strftime("%Y-%m")
    engine = create_engine(app.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT a.username, o.id, o.name, o.credit_code,"
                " (SELECT COUNT(*) FROM cmmm_diagnosis d WHERE d.org_id = o.id AND d.status = 'in_progress'),"
                " (SELECT COUNT(*) FROM cmmm_diagnosis d WHERE d.org_id = o.id AND d.month = :month"
                "   AND d.status <> 'abandoned'),"
                " (SELECT COUNT(*) FROM cmmm_diagnosis d WHERE d.org_id = o.id AND d.status = 'completed') "
                "FROM account a JOIN organisation o ON o.id = a.org_id "
                "WHERE o.kind = 'enterprise' AND o.status = 'approved' AND o.county_code = :county"
                " AND o.division_code BETWEEN '13' AND '43' AND a.status = 'active' "
                "ORDER BY CASE WHEN a.username = :preferred THEN 0 ELSE 1 END, o.id"),
                {"month": month, "county": COUNTY, "preferred": PREFERRED}).all()
    finally:
        engine.dispose()
    for username, org_id, name, code, running, used, completed in rows:
        if used - running < MAX_PER_MONTH:  # an abandoned in-progress one does not count
            return Enterprise(username, int(org_id), name, code, bool(running), bool(completed))
    raise AssertionError(f"no approved manufacturer in {COUNTY} can start a self-diagnosis this month: {rows}")


# --- helpers for the questionnaire ----------------------------------------------------------
def main_area(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def progress_caption(page: Page, total: int, answered: int) -> Locator:
    return main_area(page).get_by_text(f"共 {total} 题，已答 {answered} 题，进度 {answered}/{total}", exact=True)


def question_count(page: Page) -> int:
    """Read N from the level's caption 「共 N 题，已答 0 题」 (the page has just been opened)."""
    caption = main_area(page).get_by_text(re.compile(r"^共 \d+ 题，已答 0 题"))
    expect(caption).to_be_visible()
    found = re.match(r"共 (\d+) 题", caption.inner_text())
    assert found, caption.inner_text()
    return int(found.group(1))


def answer_all(page: Page, option: str) -> int:
    """Click ``option`` in every radio question of the current level; return how many there were.

    Each click starts a rerun; Streamlit sends every widget's value with each rerun, so the clicks
    need not wait for one another. The caption's counter confirms the server has them all.
    """
    settle(page)
    total = question_count(page)
    radios = main_area(page).get_by_test_id("stRadio")
    expect(radios).to_have_count(total)
    for i in range(total):
        radios.nth(i).get_by_text(option, exact=True).click()
    for i in range(total):
        expect(radios.nth(i).get_by_role("radio", name=option, exact=True)).to_be_checked()
    expect(progress_caption(page, total, total)).to_be_visible()
    settle(page)
    return total


def full_page_screenshot(page: Page, path: str) -> None:
    """Streamlit scrolls inside its own container, so a full-page shot needs a viewport as tall as the page."""
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.get_by_test_id("stMain").evaluate("el => el.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    page.wait_for_timeout(1000)  # let the charts redraw at the new size (ECharts animates)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)


def submit_level(page: Page) -> None:
    main_area(page).get_by_role("button", name="提交本级", exact=True).click()


# --- the journey ------------------------------------------------------------------------------
def test_enterprise_self_diagnosis_and_county_admin_export(page: Page, huiqi_app: HuiqiApp) -> None:
    started = time.monotonic()
    ent = pick_enterprise(huiqi_app)

    # (1) The enterprise signs in, opens 企业自诊断, reads the notes and tailors 设计 and 物流.
    page.goto("/")
    sign_in(page, ent.username, DEMO_PASSWORD, landing=f"您好，{ent.name}")
    expect_signed_in_as(page, ent.name)
    open_page(page, "企业自诊断", "企业自诊断")
    main = main_area(page)
    if ent.in_progress:  # a seeded diagnosis stopped half-way: abandon it to start afresh
        expect(main.get_by_text(re.compile(r"^第 \d+ 号自诊断 · 诊断中"))).to_be_visible()
        main.get_by_text("放弃本次自诊断", exact=True).click()
        main.get_by_role("button", name="确认放弃").click()
    settle(page)
    if ent.completed:  # the page opens on the latest result; a new diagnosis is one click away
        expect(main.get_by_test_id("stMetric").filter(has_text="总分 S").first).to_be_visible()
        main.get_by_role("button", name="开始新的自诊断").click()
    expect(main.get_by_role("button", name="开始答题")).to_be_visible()
    expect(main.get_by_text("填报须知：", exact=False).first).to_be_visible()
    expect(main.get_by_text("企业开始对实施智能制造的基础和条件进行规划", exact=False)).to_be_visible()
    expect(main.get_by_text("二级 规范级", exact=False).first).to_be_visible()
    settle(page)
    for label in TAILOR:
        main.get_by_text(label, exact=True).click()
        expect(main.get_by_role("checkbox", name=label, exact=True)).to_be_checked()
    settle(page)
    main.get_by_role("button", name="开始答题").click()
    expect(main.get_by_role("heading", name=LEVEL_NAMES[1]).first).to_be_visible()
    expect(main.get_by_text(re.compile(r"裁剪：设计（产品设计、工艺设计）、物流$"))).to_be_visible()
    expect_no_exception(page)

    # (2) Level 1, every question 全部满足: achieved; after the pause level 2 opens.
    #     An answer reruns only its group's fragment on the server, never the whole page.
    full_runs, fragment_runs = len(server_runs(huiqi_app.log, False)), len(server_runs(huiqi_app.log, True))
    answered = answer_all(page, "全部满足")
    assert answered < 48, "the tailored domains' questions should be hidden"
    assert len(server_runs(huiqi_app.log, False)) == full_runs, "an answer click reran the whole page"
    assert len(server_runs(huiqi_app.log, True)) > fragment_runs
    submit_level(page)
    expect(main.get_by_text(f"{LEVEL_NAMES[1]}得分 1.00，已达到本级要求，即将进入{LEVEL_NAMES[2]}答题。")) \
        .to_be_visible()
    expect(main.get_by_role("heading", name=LEVEL_NAMES[2]).first).to_be_visible(timeout=(ADVANCE_SECONDS + 15) * 1000)
    expect(main.get_by_text(f"{LEVEL_NAMES[1]}：1.00", exact=True)).to_be_visible()
    expect_no_exception(page)

    # Level 2, every question 不满足: not achieved, so on to the effectiveness indicators.
    answer_all(page, "不满足")
    submit_level(page)
    expect(main.get_by_role("heading", name="成效类指标（不参与评分）").first).to_be_visible()
    expect_no_exception(page)

    # (3) The 14 indicators: values 0, formulas 无; then 提交.
    settle(page)
    boxes = main.get_by_test_id("stTextInput").locator("input")
    expect(boxes).to_have_count(14)
    labels = [boxes.nth(i).get_attribute("aria-label") or "" for i in range(14)]
    for i, label in enumerate(labels):
        box = text_input(page, label)
        value = "无" if "公式" in label else "0"
        box.fill(value)
        box.press("Enter")  # commit now (Streamlit text inputs commit on Enter or blur)
        expect(box).to_have_value(value)
    assert sum("公式" in label for label in labels) == 7, labels
    expect(progress_caption(page, 14, 14)).to_be_visible()
    settle(page)
    main.get_by_role("button", name="提交", exact=True).click()

    # (4) Results: total score, level, charts; the PDF report downloads.
    expect(main.get_by_text("自诊断已完成。")).to_be_visible()
    total_metric = main.get_by_test_id("stMetric").filter(has_text="总分 S")
    level_metric = main.get_by_test_id("stMetric").filter(has_text="成熟度等级")
    expect(total_metric.get_by_test_id("stMetricValue")).to_have_text("1.00")  # cumulative: 1.00 + 0.00
    expect(level_metric.get_by_test_id("stMetricValue")).to_have_text(LEVEL_NAMES[1])
    expect(main.get_by_role("heading", name="能力域得分").first).to_be_visible()
    expect(main.get_by_role("button", name="下载 PDF 报告")).to_have_count(0)  # built only when asked
    settle(page)
    main.get_by_role("button", name="生成 PDF 报告").click()
    download_button = main.get_by_role("button", name="下载 PDF 报告")
    expect(download_button).to_be_visible()
    expect_no_exception(page)
    settle(page)
    charts = main.locator('[data-testid^="stBidiComponent"]')  # streamlit-echarts is a v2 component (no iframe)
    expect(charts).to_have_count(3)  # radar, peer comparison, level scores
    for i in range(3):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible()
    full_page_screenshot(page, RESULTS_SCREENSHOT)

    with page.expect_download() as pdf_download:
        download_button.click()
    pdf = pdf_download.value
    found = re.fullmatch(r"自诊断报告_(.+)_(\d+)\.pdf", pdf.suggested_filename)
    assert found and found.group(1) == ent.name, pdf.suggested_filename
    diagnosis_id = int(found.group(2))
    pdf.save_as(PDF_PATH)
    data = PDF_PATH.read_bytes()
    assert data.startswith(b"%PDF"), data[:16]
    assert len(data) > 5 * 1024, len(data)
    settle(page)

    # (5) The county administrator finds the diagnosis and exports the records to Excel.
    sign_out(page)
    sign_in(page, "admin_xw", DEMO_PASSWORD, landing="您好，玄武区管理员")
    open_page(page, "自诊断记录查询", "自诊断记录查询")
    main = main_area(page)
    keyword = text_input(page, "企业名称关键词")
    keyword.fill(ent.name)
    keyword.press("Enter")
    expect(keyword).to_have_value(ent.name)
    caption = main.get_by_text(re.compile(r"^共 \d+ 条记录$"))  # one page: no page number
    expect(caption).to_be_visible()
    settle(page)
    shown = int(re.match(r"共 (\d+) 条", caption.inner_text()).group(1))  # type: ignore[union-attr]
    assert shown >= 1
    expect(main.get_by_test_id("stDataFrame").first).to_be_visible()  # a canvas grid: check via 查看详情
    detail = page.locator('input[role="combobox"][aria-label="查看详情"]')
    expect(detail).to_have_value(re.compile(rf"^{re.escape(ent.name)}（"))
    main.get_by_role("button", name=f"导出全部 {shown:,} 条为 Excel").click()
    excel_button = main.get_by_role("button", name="下载 Excel", exact=True)
    expect(excel_button).to_be_visible()
    settle(page)
    with page.expect_download() as xlsx_download:
        excel_button.click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename == "自诊断记录.xlsx", xlsx.suggested_filename
    xlsx.save_as(XLSX_PATH)
    sheet = load_workbook(io.BytesIO(XLSX_PATH.read_bytes()), read_only=False).active
    assert sheet is not None
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    col = {name: header.index(name) for name in ("编号", "企业名称", "统一社会信用代码", "总分", "成熟度等级")}
    assert len(rows) - 1 == shown, (len(rows), shown)
    ours = [r for r in rows[1:] if str(r[col["编号"]].value) == str(diagnosis_id)]
    assert len(ours) == 1, [[c.value for c in r] for r in rows]
    row = ours[0]
    assert row[col["企业名称"]].value == ent.name
    code_cell = row[col["统一社会信用代码"]]
    assert code_cell.value == ent.credit_code
    assert code_cell.data_type == "s", code_cell.data_type  # text, never a number
    assert row[col["成熟度等级"]].value == LEVEL_NAMES[1], row[col["成熟度等级"]].value
    expect_no_exception(page)

    elapsed = time.monotonic() - started
    print(f"CMMM journey: {elapsed:.1f} s")
    assert elapsed < 120, f"the journey took {elapsed:.0f} s; it should take well under two minutes"
