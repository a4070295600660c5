"""运行监测统计 through the real app: metrics, tables and drill-down from the summary; jurisdiction."""
from __future__ import annotations

import pytest
from sqlalchemy import insert

from db.engine import session_scope
from db.monitor_stats import MEASURES, monitor_stat
from services.monitor import reports
from services.stats import monitor_stats as ms
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import sign_in


@pytest.fixture(autouse=True)
def _data(sqlite_db: str) -> str:
    period = reports.current_period()
    zero = {m: 0 for m in MEASURES}
    rows = [("province", "320000", ""), ("city", "320100", "320000"), ("county", "320102", "320100")]
    with session_scope() as s:
        s.execute(insert(monitor_stat), [
            {**zero, "period": period, "level": level, "region_code": code, "parent_code": parent, "section": section,
             "size": size, "n": 2, "revenue_cur_m": 150_000, "revenue_ly_m": 100_000,
             "revenue_cur_ytd": 1_500_000, "revenue_ly_ytd": 1_200_000} for level, code, parent in rows
            for section, size in (("C", "小型"), ("C", "*"), ("*", "小型"), ("*", "*"))])   # the cell and its marginals
    for _ in range(4):
        make_enterprise_user("320102")   # 4 monitored enterprises: 报送率 50%
    ms.clear_expected_cache()
    return period


def test_province_admin_sees_its_figures_and_drills_down(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320000", "js_mstats")
    at = sign_in(app, "js_mstats", PASSWORD)
    at.switch_page("pages/stats/monitor_stats.py").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["2", "150.00", "50.00%", "50.00%"]
    region = at.dataframe[0].value
    nanjing = region.loc[region["地区"] == "南京市"].iloc[0]
    assert nanjing["审核通过月报数"] == 2 and nanjing["本月同比增长(%)"] == 50.0 and nanjing["累计同比增长(%)"] == 25.0
    assert at.dataframe[1].value.loc[lambda f: f["门类"] == "制造业", "本年本月"].iloc[0] == 150.0
    at.radio(key="mstats_ytd").set_value(True).run()
    assert at.metric[1].value == "1,500.00" and at.metric[2].value == "25.00%"
    at.selectbox(key="mstats_drill_320000").set_value("320100").run()
    assert at.session_state["stats_path"] == ["320100"]
    rates = at.dataframe[3].value
    assert rates.loc[rates["地区"] == "玄武区", "报送率(%)"].iloc[0] == 50.0


def test_other_province_sees_nothing_of_jiangsu(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("440000", "gd_mstats")
    at = sign_in(app, "gd_mstats", PASSWORD)
    at.switch_page("pages/stats/monitor_stats.py").run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert "江苏省" not in set(at.dataframe[0].value["地区"])
