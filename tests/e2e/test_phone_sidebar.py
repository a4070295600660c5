"""On a 390 px screen the sidebar menu folds away after the user picks a page, and lists every page
(no English "View N more"). A desktop browser narrowed to phone width: Streamlit itself folds the
menu only for a phone's user agent."""
from __future__ import annotations

import os

import pytest

if os.environ.get("HUIQI_SKIP_E2E") == "1":
    pytest.skip("HUIQI_SKIP_E2E=1: browser journeys skipped on request", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402 - after the opt-out, so a missing package fails

from services.core.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e.conftest import expect_no_exception, settle, sidebar, sign_in  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=1, reruns_delay=2)]


def test_sidebar_menu_folds_away_after_navigating_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    sign_in(page, "admin_xw", DEMO_PASSWORD, landing="您好，")
    side = sidebar(page)
    for link, heading in (("用户管理", "用户管理"), ("个人中心", "个人中心")):
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(side).to_have_attribute("data-collapsed", "false")
        expect(side.get_by_test_id("stSidebarNavViewButton")).to_have_count(0)  # every page listed
        side.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        settle(page)
        expect(side).to_have_attribute("data-collapsed", "true")  # the page is not covered by the menu
        expect_no_exception(page)
