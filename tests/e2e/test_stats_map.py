"""The map drill-down of 按地图范围统计 in a real browser against the real app.

The national administrator opens the map page, clicks 江苏省 on the national map itself (the
ECharts canvas), sees 江苏's cities (breadcrumb 全国 › 江苏省, 南京市 in the table, the 江苏 map),
and goes back to the nation with the breadcrumb. The national map carries the 南海诸岛 inset.

The pixel to click is asked of the chart: ``chart.convertToPixel`` at 江苏's label point (``cp``,
a point inside the shape) from the shipped map. streamlit-echarts renders in the page (no iframe)
and does not expose ``echarts`` globally, so the helper imports the component's own module (the
browser returns the already loaded instance) and reads the ``echarts`` namespace through its
exported event binder, which evaluates handler code with ``echarts`` in scope.
"""
from __future__ import annotations

import os
from typing import Any

import pytest

if os.environ.get("HUIQI_SKIP_E2E") == "1":
    pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request", allow_module_level=True)

from playwright.sync_api import Locator, Page, expect  # noqa: E402 - after the opt-out, so a missing package fails

from charts.stats import INSET_ID  # noqa: E402
from services.reference import maps  # noqa: E402
from services.core.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402 - shared Streamlit helpers
    expect_no_exception, expect_signed_in_as, open_page, settle, sign_in, sign_out)

# One rerun: a journey drives a live server and browser, where a click can race a rerun.
pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=1, reruns_delay=2)]

SCREENSHOT = "/tmp/huiqi-stats-map.png"
JIANGSU, NANJING = "320000", "南京市"

# Returns {x, y, map, inset} for the map chart on the page (x, y: page pixel of [lng, lat]), or null.
MAP_PIXEL_JS = """async ([lng, lat]) => {
  const url = performance.getEntriesByType('resource').map(e => e.name)
    .find(n => n.includes('/streamlit-echarts.') && n.endsWith('.js'));
  if (!url) return null;
  const mod = await import(url);
  if (typeof mod.setEventsGenerator !== 'function') throw new Error('streamlit-echarts: no setEventsGenerator export');
  let echarts = null;
  const probe = '--x_x--0_0--function(){ return echarts; }--x_x--0_0--';
  mod.setEventsGenerator()({on: (_, handler) => handler({}), off() {}}, {probe}, (_, value) => { echarts = value; });
  for (const dom of document.querySelectorAll('.echarts-container')) {
    const chart = echarts && echarts.getInstanceByDom(dom);
    const option = chart && chart.getOption();
    const series = (option && option.series) || [];
    if (!series.length || series[0].type !== 'map') continue;
    const [x, y] = chart.convertToPixel({seriesIndex: 0}, [lng, lat]);
    const box = dom.getBoundingClientRect();
    return {x: box.left + x, y: box.top + y, map: series[0].map,
            inside: x > 0 && y > 0 && x < box.width && y < box.height,
            inset: JSON.stringify(option.graphic || []).includes('%s')};
  }
  return null;
}""" % INSET_ID


def label_point(parent: str | None, code: str) -> list[float]:
    """A point inside ``code``'s shape on ``parent``'s map (the build's representative point)."""
    (feature,) = [f for f in maps.display_map(parent)["features"] if f["properties"]["adcode"] == code]
    return list(feature["properties"]["cp"])


def map_chart(page: Page, map_name: str, lng_lat: list[float], timeout_ms: int = 20_000) -> dict[str, Any]:
    """Wait until the map chart shows ``map_name``; return where ``lng_lat`` is on the page."""
    page.locator(".echarts-container").first.scroll_into_view_if_needed()
    waited = 0
    found: dict[str, Any] | None = None
    while waited < timeout_ms:
        found = page.evaluate(MAP_PIXEL_JS, lng_lat)
        if found and found["map"] == map_name and found["inside"]:
            return found
        page.wait_for_timeout(200)
        waited += 200
    raise AssertionError(f"the map chart did not show {map_name} within {timeout_ms} ms (last seen: {found})")


def table_cell(page: Page, text: str) -> Locator:
    """A cell of the page's table (the grid renders its visible rows as an accessible table)."""
    return page.get_by_test_id("stDataFrame").locator("td").filter(has_text=text)


def expect_nation(page: Page) -> None:
    expect(page.get_by_test_id("stMarkdown").get_by_text("全国", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="全国 ›")).to_have_count(0)
    expect(table_cell(page, "北京市").first).to_be_attached()
    expect(table_cell(page, NANJING)).to_have_count(0)


def test_national_admin_drills_into_a_province_on_the_map_and_back(page: Page) -> None:
    page.goto("/")
    sign_in(page, "admin_cn", DEMO_PASSWORD, landing="您好，国家级管理员")
    expect_signed_in_as(page, "国家级管理员")
    open_page(page, "按地图范围统计", "按地图范围统计")
    settle(page)
    expect_no_exception(page)
    expect_nation(page)

    nation = maps.map_name(None)
    spot = map_chart(page, nation, label_point(None, JIANGSU))
    assert spot["inset"], "the national map has no 南海诸岛 inset"
    page.mouse.move(spot["x"], spot["y"])  # hover first, as a user does (the tooltip shows)
    page.mouse.click(spot["x"], spot["y"])

    # 江苏省: breadcrumb 全国 › 江苏省, its cities in the table and on the map
    expect(page.get_by_role("button", name="全国 ›")).to_be_visible()
    expect(page.get_by_test_id("stMarkdown").get_by_text("江苏省", exact=True)).to_be_visible()
    settle(page)
    expect_no_exception(page)
    expect(table_cell(page, NANJING).first).to_be_attached()
    expect(table_cell(page, "北京市")).to_have_count(0)
    province = map_chart(page, maps.map_name(JIANGSU), label_point(JIANGSU, "320100"))
    assert not province["inset"], "the inset belongs to the national map only"
    page.screenshot(path=SCREENSHOT, full_page=True)

    # back to the nation with the breadcrumb
    page.get_by_role("button", name="全国 ›").click()
    settle(page)
    expect_no_exception(page)
    expect_nation(page)
    map_chart(page, nation, label_point(None, JIANGSU))

    sign_out(page)
