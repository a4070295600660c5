"""The six 运行监测 query pages (issue 18) on components.admin_list, as 南京's city administrator over the
hand-made data of tests/monitor/test_report_queries.py: each renders, a filter changes the count, and
the Excel export holds exactly the rows the count announces (SQLite; the sources run on both
databases in tests/monitor/test_report_queries.py)."""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import clock
from tests.monitor.test_report_queries import NOW, World, build_world
from tests.pages.helpers import assert_clean, texts
from tests.pages.test_admin_list import served  # noqa: F401  (the fixture keeping the served files)


def _script(code, actor) -> None:  # type: ignore[no-untyped-def]  # the page's one call, with the actor given
    from components.admin_list import admin_list
    from components.feedback import error_boundary
    with error_boundary():
        admin_list(code, actor, "t")


@pytest.fixture
def world(sqlite_db: str) -> Iterator[World]:
    with clock.travel(NOW, freeze=True):
        yield build_world()


def _open(code: str, w: World) -> AppTest:
    at = AppTest.from_function(_script, args=(code, w.nj), default_timeout=60).run()
    assert_clean(at)
    return at


def count(at: AppTest) -> int:
    caption = next(c for c in texts(at.caption) if c.startswith("共 "))
    return int(re.match(r"共 (\d+)", caption).group(1))  # type: ignore[union-attr]


def exported(at: AppTest, served: dict[str, bytes]) -> list[tuple]:  # type: ignore[type-arg]
    at.button(key="t_export_prepare").click().run()
    assert_clean(at)
    button = next(b for b in at.download_button if b.label == "下载 Excel")
    sheet = openpyxl.load_workbook(io.BytesIO(served[Path(button.proto.url).stem])).active
    return list(sheet.iter_rows(values_only=True))


def test_details_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_details", world)
    assert count(at) == 4
    shown = list(at.dataframe[0].value.columns)
    assert "营业收入·本年本月（千元）" in shown and "营业成本·本年本月（千元）" in shown
    assert not any(c.startswith("用电量") for c in shown)
    at.selectbox(key="t_status").set_value("accepted").run()
    assert_clean(at)
    assert count(at) == 2
    at.multiselect(key="t_cols").set_value(["i_power_cur_m"]).run()   # choose the indicators shown
    assert list(at.dataframe[0].value.columns) == ["企业名称", "用电量·本年本月（度）"]
    rows = exported(at, served)
    assert len(rows) - 1 == count(at) == 2 and len(rows[0]) > 90   # every indicator in the file


def test_summary_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_summary", world)
    assert count(at) == 1 and list(at.dataframe[0].value["汇总项"]) == ["合计"]
    at.selectbox(key="t_group").set_value("region").run()
    assert_clean(at)
    assert count(at) == 2 and set(at.dataframe[0].value["汇总项"]) == {"玄武区", "秦淮区"}
    at.checkbox(key="t_exclude_large").check().run()
    assert count(at) == 2
    rows = exported(at, served)
    assert len(rows) - 1 == count(at)
    assert {r[1]: r[2] for r in rows[1:]} == {"玄武区": 1, "秦淮区": 1}   # B (大型) and C (上市) left out


def test_products_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_products", world)
    assert count(at) == 3
    at.text_input(key="t_keyword").input(world.names["A"]).run()
    assert_clean(at)
    assert count(at) == 2 and set(at.dataframe[0].value["产品名称"]) == {"轴承", "齿轮"}
    rows = exported(at, served)
    assert len(rows) - 1 == count(at)


def test_ranking_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_ranking", world)
    frame = at.dataframe[0].value
    assert list(frame["地区 / 管理员"][:2]) == ["秦淮区", "玄武区"]
    by_region = count(at)
    at.radio(key="t_mode").set_value("admin").run()
    assert_clean(at)
    assert count(at) == 3 and count(at) != by_region
    at.radio(key="t_mode").set_value("region").run()
    at.date_input(key="t_deadline").set_value(dt.date(2026, 6, 12)).run()
    assert_clean(at)
    frame = at.dataframe[0].value
    xw = frame[frame["地区 / 管理员"] == "玄武区"].iloc[0]
    assert (xw["按时报送"], xw["逾期报送"]) == (2, 0)
    rows = exported(at, served)
    assert len(rows) - 1 == count(at) == by_region


def test_year_detail_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_year_detail", world)
    assert count(at) == 5
    at.selectbox(key="t_run_from").set_value(2).run()
    assert_clean(at)
    assert count(at) == 1 and list(at.dataframe[0].value["企业名称"]) == [world.names["A"]]
    rows = exported(at, served)
    assert len(rows) - 1 == count(at) and rows[1][-1] == 4


def test_analysis_page(world: World, served: dict[str, bytes]) -> None:
    at = _open("monitor_q_analysis", world)
    frame = at.dataframe[0].value
    assert frame["分组"][0] == "合计" and frame["上报企业数"][0] == 2
    at.selectbox(key="t_category").set_value("region").run()
    assert_clean(at)
    assert set(at.dataframe[0].value["分组"]) >= {"合计", "玄武区", "秦淮区"}
    at.date_input(key="t_deadline").set_value(dt.date(2026, 6, 20)).run()
    assert at.dataframe[0].value["上报企业数"][0] == 3
    rows = exported(at, served)
    assert len(rows) - 1 == count(at)


PAGES = {"monitor_q_details": "经济指标月报明细查询", "monitor_q_summary": "经济指标月报汇总查询",
         "monitor_q_products": "产品产销存月报查询", "monitor_q_ranking": "报送龙虎榜",
         "monitor_q_year_detail": "年度报送明细查询", "monitor_q_analysis": "月度报送情况分析"}


def test_the_page_files_through_the_app(world: World) -> None:
    from tests.factories import PASSWORD
    from tests.pages.helpers import signed_in
    at = signed_in(world.nj.username, PASSWORD)
    for code, title in PAGES.items():
        at.switch_page(f"pages/monitor/{code}.py").run()
        assert_clean(at)
        assert [t.value for t in at.title] == [title]
        assert any(c.startswith("共 ") for c in texts(at.caption)) and not at.error
    enterprise = signed_in(_enterprise_username(world), PASSWORD)
    with pytest.raises(ValueError):   # not a page of an enterprise's navigation
        enterprise.switch_page("pages/monitor/monitor_q_details.py")


def _enterprise_username(w: World) -> str:
    from sqlalchemy import select

    from db.account import Account
    from db.engine import session_scope
    with session_scope(read=True) as s:
        return str(s.scalar(select(Account.username).where(Account.org_id == w.ids["A"])))
