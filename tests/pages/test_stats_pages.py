"""The three statistics pages through the real app: drill-down path, scope, jurisdiction, export."""
import pytest

from services.forms import definitions
from tests.cmmm.conftest import EFFECTIVENESS, run_levels
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import sign_in


@pytest.fixture(autouse=True)
def _data(sqlite_db: str) -> None:
    from services.cmmm import diagnosis as dx
    definitions.sync_specs()
    for region, values in (("320102", ["1", "0"]), ("320106", ["1", "1", "0"]), ("440304", ["0"])):
        user, _ = make_enterprise_user(region)
        did = dx.start(user, [])
        run_levels(user, did, values)
        dx.finish(user, did, EFFECTIVENESS, 0)


def test_map_page_drills_down_and_back(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320000", "js_stats")
    at = sign_in(app, "js_stats", PASSWORD)
    at.switch_page("pages/stats/stats_map.py").run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["2", "1.50"]  # Jiangsu only: the Shenzhen one is not here
    table = at.dataframe[0].value
    assert "南京市" in list(table["地区"]) and int(table.loc[table["地区"] == "南京市", "企业数"].iloc[0]) == 2
    at.selectbox(key="drill_320000").set_value("320100").run()
    assert at.session_state["stats_path"] == ["320100"]
    counties = at.dataframe[0].value
    assert set(counties.loc[counties["企业数"] > 0, "地区"]) == {"玄武区", "鼓楼区"}
    at.button(key="crumb_0").click().run()
    assert at.session_state["stats_path"] == []
    assert any(b.label.startswith("导出 Excel") for b in at.get("download_button"))


def test_region_and_industry_pages_share_filters(app) -> None:  # type: ignore[no-untyped-def]
    make_admin(None, "cn_stats")
    at = sign_in(app, "cn_stats", PASSWORD)
    at.switch_page("pages/stats/stats_region.py").run()
    assert not at.exception
    provinces = at.dataframe[0].value
    assert len(provinces) == 34 and int(provinces["企业数"].sum()) == 3
    at.selectbox(key="stats_division_select").set_value("13").run()   # the test enterprises are all in 大类 34
    assert int(at.dataframe[0].value["企业数"].sum()) == 0
    at.selectbox(key="stats_division_select").set_value("34").run()
    assert int(at.dataframe[0].value["企业数"].sum()) == 3
    at.session_state["stats_path"] = ["320000", "320100"]              # 按行业筛选 down to the counties too
    at.run()
    assert not at.exception and not at.info
    counties = at.dataframe[0].value
    assert len(counties) == 11 and int(counties["企业数"].sum()) == 2   # 南京's counties; 玄武 and 秦淮 have one each
    at.session_state["stats_path"] = []
    at.selectbox(key="stats_division_select").set_value("").run()
    at.switch_page("pages/stats/stats_industry.py").run()
    assert not at.exception
    divisions = at.dataframe[0].value
    assert len(divisions) == 31 and int(divisions["企业数"].sum()) == 3
    assert "数据" in divisions.columns and "产品设计" not in divisions.columns        # 能力域 by default
    assert at.multiselect[0].value == list(divisions.loc[divisions["企业数"] > 0, "行业"])  # the radar's default rows
    next(r for r in at.radio if r.label == "比较").set_value("能力子域（20）").run()
    assert {"产品设计", "计划与调度", "产品服务"} <= set(at.dataframe[0].value.columns)  # the 20 sub-domains
    at.selectbox(key="stats_size_select").set_value("大型").run()   # all test enterprises are 小型
    assert int(at.dataframe[0].value["企业数"].sum()) == 0
    at.switch_page("pages/stats/stats_map.py").run()                       # the size filter persists across pages
    assert at.selectbox(key="stats_size_select").value == "大型"
    assert [m.value for m in at.metric][0] == "0"
    at.selectbox(key="stats_size_select").set_value("小型").run()
    assert [m.value for m in at.metric][0] == "3"


def test_county_admin_sees_only_its_county(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320102", "xw_stats")
    at = sign_in(app, "xw_stats", PASSWORD)
    at.switch_page("pages/stats/stats_map.py").run()
    assert not at.exception
    assert [m.value for m in at.metric][0] == "1"
    at.switch_page("pages/stats/stats_industry.py").run()
    assert any("行业统计按市及以上范围汇总" in i.value for i in at.info)


def test_map_page_says_what_it_counts_and_never_prints_none(app) -> None:  # type: ignore[no-untyped-def]
    make_admin("320100", "nj_none")
    at = sign_in(app, "nj_none", PASSWORD)
    at.switch_page("pages/stats/stats_map.py").run()
    assert not at.exception
    assert any("最新一次" in c.value and "自诊断记录查询" in c.value for c in at.caption)
    table = at.dataframe[0].value
    empty = table[table["企业数"] == 0]
    assert len(empty) > 0  # districts without any diagnosis
    assert set(empty["平均总分"]) == {"—"} and set(empty["二级及以上占比"]) == {"—"}
    assert not table.isna().any().any() and "None" not in table.astype(str).to_string()
    assert table.loc[table["地区"] == "鼓楼区", "平均总分"].iloc[0] == "2.00"
    assert all(s.placeholder == "请选择" for s in at.selectbox)
