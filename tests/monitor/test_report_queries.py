"""运行监测 queries (issue 18), the six over the monthly reports' answers and reporting dates, against
small hand-made data on both databases: 经济指标月报明细查询 (monitor_q_details), 经济指标月报汇总查询
(monitor_q_summary), 产品产销存月报查询 (monitor_q_products), 报送龙虎榜 (monitor_q_ranking), 年度报送明细
查询 (monitor_q_year_detail), 月度报送情况分析 (monitor_q_analysis). Each: the hand-computed rows, the
filters, the jurisdiction (a county never sees another county's rows) and an export equal to the total.

The clock stands at 2026-06-15 (China): the report month is 2026-05, due 2026-06-10.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from sqlalchemy import insert, update

import clock
from db.account import Account
from db.engine import session_scope
from db.forms import AnswerValue, FormResponse
from db.monitor import MonitorReport
from db.organisation import Organisation
from services import lists
from services.core.errors import PermissionDenied, ValidationFailed
from services.core.permissions import Actor
from services.forms import definitions
from services.monitor import reports
from services.monitor.report_queries import CELLS, INDICATORS, indicator_key, three_sector
from services.monitor.reporting_queries import longest_run
from tests.factories import make_admin, make_enterprise_user

NOW = "2026-06-15T10:00:00+08:00"
P, L = "2026-05", "2026-04"
ON_TIME = dt.datetime(2026, 6, 5, 10, tzinfo=clock.CHINA)
LATE = dt.datetime(2026, 6, 12, 10, tzinfo=clock.CHINA)
LAST_ON_TIME = dt.datetime(2026, 5, 5, 10, tzinfo=clock.CHINA)


def _all(actor: Actor, code: str, values: dict[str, Any]) -> lists.Page:
    return lists.page(actor, code, values, 0)


def _export_rows(actor: Actor, code: str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(lists.export(actor, code, values))).active
    return list(sheet.iter_rows(values_only=True))


@dataclass
class World:
    xw: Actor        # 玄武区 (320102)
    qh: Actor        # 秦淮区 (320104)
    nj: Actor        # 南京市 (320100)
    names: dict[str, str]
    ids: dict[str, int]


ORGS = {  # letter: region, size, 大类, revenue (万元), holding, reg type, listed
    "A": ("320102", "小型", "34", 1000, "私人控股", "私营企业", False),
    "B": ("320102", "大型", "47", 90000, "国有控股", "国有企业", False),
    "C": ("320102", "微型", "51", 100, "私人控股", "私营企业", True),
    "D": ("320102", "中型", "01", 3000, "集体控股", "集体企业", False),
    "E": ("320104", "小型", "34", 5000, "私人控股", "有限责任公司", False),
}
CLASSES = {"34": "3411", "47": "4710", "51": "5111", "01": "0111"}   # a 小类 of each 大类


def _report(ent: Actor, period: str, status: str, submitted: dt.datetime | None, source: str = "online",
            values: dict[str, tuple[float, float, float, float]] | None = None,
            products: list[tuple[str, str, str, float, float, float]] | None = None) -> int:
    """A month in ``status``, submitted at ``submitted``, with typed answer rows as 上报 writes them."""
    report_id = reports.open_report(ent, period)
    with session_scope() as s:
        s.execute(update(MonitorReport).where(MonitorReport.id == report_id)
                  .values(status=status, submitted_at=submitted.astimezone(clock.UTC) if submitted else None,
                          source=source))
        r = s.get(MonitorReport, report_id)
        assert r is not None
        rows: list[dict[str, Any]] = []
        for ind, cells in (values or {}).items():
            for cell, v in zip(("cur_m", "cur_ytd", "ly_m", "ly_ytd"), cells):
                rows.append({"question": "ind", "path": f"ind.{ind}.{cell}", "num_value": v, "text_value": None})
        for i, (name, code, unit, prod, sales, stock) in enumerate(products or []):
            rows += [{"question": "name", "path": f"products[{i}].name", "num_value": None, "text_value": name},
                     {"question": "code", "path": f"products[{i}].code", "num_value": None, "text_value": code},
                     {"question": "unit", "path": f"products[{i}].unit", "num_value": None, "text_value": unit},
                     {"question": "production", "path": f"products[{i}].production", "num_value": prod, "text_value": None},
                     {"question": "sales", "path": f"products[{i}].sales", "num_value": sales, "text_value": None},
                     {"question": "stock", "path": f"products[{i}].stock", "num_value": stock, "text_value": None}]
        if rows:
            version = s.get(FormResponse, r.response_id).version_id  # type: ignore[union-attr]
            s.execute(insert(AnswerValue), [{**x, "response_id": r.response_id, "version_id": version} for x in rows])
    return report_id


def build_world() -> World:
    """玄武: A accepted on time (2 products; also accepted 2026-02…04), B import reviewing late (its
    account disabled), C editing, D no May report (April accepted on time). 秦淮: E accepted on time."""
    definitions.sync_specs()
    xw, qh, nj = make_admin("320102"), make_admin("320104"), make_admin("320100")
    ents: dict[str, Actor] = {}
    names: dict[str, str] = {}
    ids: dict[str, int] = {}
    for letter, (code, size, div, revenue, holding, reg, listed) in ORGS.items():
        ents[letter], ids[letter] = make_enterprise_user(code)
        with session_scope() as s:
            org = s.get(Organisation, ids[letter])
            assert org is not None
            org.size, org.division_code, org.industry_code, org.revenue = size, div, CLASSES[div], revenue
            org.details = {**(org.details or {}), "holding_type": holding, "reg_type": reg, "listed": listed}
            names[letter] = org.name
    _report(ents["A"], P, "accepted", ON_TIME, values={"revenue": (100, 1000, 80, 800), "cost": (70, 700, 60, 600)},
            products=[("轴承", "P01", "套", 10, 8, 2), ("齿轮", "P02", "个", 5, 5, 1)])
    for month in ("2026-02", "2026-03", "2026-04"):
        _report(ents["A"], month, "accepted", dt.datetime(2026, int(month[5:]) + 1, 5, tzinfo=clock.CHINA))
    _report(ents["B"], P, "reviewing", LATE, source="import", values={"revenue": (50, 500, 50, 400)})
    _report(ents["C"], P, "editing", None)
    _report(ents["D"], L, "accepted", LAST_ON_TIME)
    _report(ents["E"], P, "accepted", ON_TIME, values={"revenue": (1000, 10000, 900, 9000)},
            products=[("电机", "P09", "台", 3, 3, 1)])
    with session_scope() as s:
        s.execute(update(Account).where(Account.org_id == ids["B"]).values(status="disabled"))
        s.execute(update(MonitorReport).where(MonitorReport.org_id.in_([ids["A"], ids["B"]]))
                  .values(reviewer_id=xw.account_id))
        s.execute(update(MonitorReport).where(MonitorReport.org_id == ids["E"]).values(reviewer_id=qh.account_id))
    return World(xw, qh, nj, names, ids)


@pytest.fixture
def world(db: str) -> Iterator[World]:
    with clock.travel(NOW, freeze=True):
        yield build_world()


def _letters(w: World, rows: list[Any], key: str = "name") -> list[str]:
    back = {v: k for k, v in w.names.items()}
    return sorted(back[lists.value(r, key)] for r in rows)


# --- 经济指标月报明细查询 -------------------------------------------------------------------------
def test_details_rows_indicators_and_filters(world: World) -> None:
    page = _all(world.xw, "monitor_q_details", {})
    assert page.total == 3 and _letters(world, page.items) == ["A", "B", "C"]
    by = {lists.value(r, "name"): r for r in page.items}
    a, b, c = (by[world.names[k]] for k in "ABC")
    assert a["i_revenue_cur_m"] == 100 and a["i_cost_ly_ytd"] == 600 and a["status_label"] == "审核通过"
    assert a["source_label"] == "填报" and b["source_label"] == "导入" and b["i_revenue_ly_ytd"] == 400
    assert c.get("i_revenue_cur_m") is None and c["status_label"] == "编辑"   # never submitted: no values
    assert _letters(world, _all(world.xw, "monitor_q_details", {"source": "import"}).items) == ["B"]
    assert _letters(world, _all(world.xw, "monitor_q_details", {"status": "accepted"}).items) == ["A"]
    assert _letters(world, _all(world.xw, "monitor_q_details", {"industry": "C"}).items) == ["A"]   # 制造业 门类
    assert _letters(world, _all(world.xw, "monitor_q_details", {"industry": "47"}).items) == ["B"]  # 大类
    assert _letters(world, _all(world.xw, "monitor_q_details", {"period": L}).items) == ["A", "D"]


def test_details_columns_follow_the_report_definition() -> None:
    spec = lists.declaration("monitor_q_details")
    keys = {c.key for c in spec.columns}
    assert {indicator_key(r, c) for r, _, _ in INDICATORS for c, _ in CELLS} <= keys
    shown = [c.key for c in spec.columns if c.key.startswith("i_") and c.visible]
    assert {k.split("_")[1] for k in shown} == {"revenue", "cost"}   # the manual's default: 营业收入, 营业成本


def test_details_jurisdiction_and_export(world: World) -> None:
    assert _letters(world, _all(world.qh, "monitor_q_details", {}).items) == ["E"]
    assert _all(world.nj, "monitor_q_details", {}).total == 4
    assert _letters(world, _all(world.nj, "monitor_q_details", {"region": "320104"}).items) == ["E"]
    with pytest.raises(PermissionDenied):
        _all(world.xw, "monitor_q_details", {"region": "320104"})
    rows = _export_rows(world.nj, "monitor_q_details", {})
    spec = lists.declaration("monitor_q_details")
    assert list(rows[0]) == [c.label for c in spec.columns]   # every indicator, also those hidden on screen
    assert len(rows) - 1 == 4
    col = [c.key for c in spec.columns].index("i_revenue_cur_ytd")
    assert sorted(r[col] for r in rows[1:] if r[col] is not None) == [500, 1000, 10000]


# --- 经济指标月报汇总查询 -------------------------------------------------------------------------
def _group(page: lists.Page) -> dict[str, dict[str, Any]]:
    return {r["group"]: r for r in page.items}


def test_summary_sums_per_group(world: World) -> None:
    city = _group(_all(world.nj, "monitor_q_summary", {}))
    assert list(city) == ["合计"]
    total = city["合计"]
    assert total["enterprises"] == 4 and total["i_revenue_cur_m"] == 1150 and total["i_revenue_cur_ytd"] == 11500
    assert total["i_revenue_ly_ytd"] == 10200 and total["i_revenue_growth"] == 12.75   # 1300 / 10200
    assert total["i_cost_cur_m"] == 70 and total.get("i_power_cur_m") is None
    size = _all(world.xw, "monitor_q_summary", {"group": "size"})
    assert [r["group"] for r in size.items] == ["大型", "小型", "微型"]
    assert [(r["enterprises"], r.get("i_revenue_cur_m")) for r in size.items] == [(1, 50), (1, 100), (1, None)]
    regions = _group(_all(world.nj, "monitor_q_summary", {"group": "region"}))
    assert (regions["玄武区"]["enterprises"], regions["玄武区"]["i_revenue_cur_m"]) == (3, 150)
    assert (regions["秦淮区"]["enterprises"], regions["秦淮区"]["i_revenue_cur_m"]) == (1, 1000)
    sector = _group(_all(world.xw, "monitor_q_summary", {"group": "sector"}))
    assert (sector["第二产业"]["enterprises"], sector["第二产业"]["i_revenue_cur_m"]) == (2, 150)
    assert sector["第三产业"]["enterprises"] == 1
    holding = _group(_all(world.nj, "monitor_q_summary", {"group": "holding"}))
    assert holding["私人控股"]["enterprises"] == 3 and holding["私人控股"]["i_revenue_cur_m"] == 1100
    assert holding["国有控股"]["i_revenue_cur_m"] == 50
    industry = _group(_all(world.nj, "monitor_q_summary", {"group": "industry"}))
    assert {k: v["enterprises"] for k, v in industry.items()} == {"C 制造业": 2, "E 建筑业": 1, "F 批发和零售业": 1}


def test_summary_status_and_exclusions(world: World) -> None:
    accepted = _group(_all(world.nj, "monitor_q_summary", {"status": "accepted"}))["合计"]
    assert (accepted["enterprises"], accepted["i_revenue_cur_m"]) == (2, 1100)
    no_large = _group(_all(world.xw, "monitor_q_summary", {"exclude_large": True}))["合计"]   # B 大型, C 上市
    assert (no_large["enterprises"], no_large["i_revenue_cur_m"]) == (1, 100)
    no_disabled = _group(_all(world.xw, "monitor_q_summary", {"exclude_disabled": True}))["合计"]   # B disabled
    assert (no_disabled["enterprises"], no_disabled["i_revenue_cur_m"]) == (2, 100)


def test_summary_jurisdiction_and_export(world: World) -> None:
    assert _group(_all(world.qh, "monitor_q_summary", {}))["合计"]["i_revenue_cur_m"] == 1000
    with pytest.raises(PermissionDenied):
        _all(world.qh, "monitor_q_summary", {"region": "320102"})
    page = _all(world.nj, "monitor_q_summary", {"group": "region"})
    rows = _export_rows(world.nj, "monitor_q_summary", {"group": "region"})
    assert len(rows) - 1 == page.total == 2 and rows[0][:3] == ("报表月份", "汇总项", "企业数")


# --- 产品产销存月报查询 -------------------------------------------------------------------------
def test_products_rows_filters_jurisdiction_and_export(world: World) -> None:
    page = _all(world.xw, "monitor_q_products", {})
    assert page.total == 2
    rows = sorted((r["product_name"], r["product_code"], r["product_unit"], r["product_production"],
                   r["product_sales"], r["product_stock"]) for r in page.items)
    assert rows == [("轴承", "P01", "套", 10, 8, 2), ("齿轮", "P02", "个", 5, 5, 1)]
    assert {r["name"] for r in page.items} == {world.names["A"]}
    assert _all(world.qh, "monitor_q_products", {}).total == 1
    assert _all(world.nj, "monitor_q_products", {}).total == 3
    assert _all(world.nj, "monitor_q_products", {"keyword": world.names["E"]}).total == 1
    assert _all(world.nj, "monitor_q_products", {"status": "reviewing"}).total == 0
    with pytest.raises(PermissionDenied):
        _all(world.xw, "monitor_q_products", {"region": "320104"})
    out = _export_rows(world.nj, "monitor_q_products", {})
    assert len(out) - 1 == 3 and {r[5] for r in out[1:]} == {"轴承", "齿轮", "电机"}


# --- 报送龙虎榜 ---------------------------------------------------------------------------------
def test_ranking_by_region_against_the_deadline(world: World) -> None:
    page = _all(world.nj, "monitor_q_ranking", {})
    by = {r["name"]: r for r in page.items}
    assert (by["玄武区"]["enterprises"], by["玄武区"]["on_time"], by["玄武区"]["late"], by["玄武区"]["unreported"]) == (4, 1, 1, 2)
    assert by["玄武区"]["on_time_rate"] == 25.0 and by["玄武区"]["reported_rate"] == 50.0
    assert (by["秦淮区"]["on_time"], by["秦淮区"]["on_time_rate"]) == (1, 100.0)
    assert page.items[0]["name"] == "秦淮区" and page.items[0]["rank"] == 1 and page.items[1]["name"] == "玄武区"
    assert all(r["deadline"] == "2026-06-10" for r in page.items)
    later = {r["name"]: r for r in _all(world.nj, "monitor_q_ranking", {"deadline": "2026-06-12"}).items}
    assert (later["玄武区"]["on_time"], later["玄武区"]["late"]) == (2, 0)
    county = _all(world.xw, "monitor_q_ranking", {})
    assert [r["name"] for r in county.items] == ["玄武区"]
    with pytest.raises(PermissionDenied):
        _all(world.xw, "monitor_q_ranking", {"region": "320104"})


def test_ranking_by_administrator_and_export(world: World) -> None:
    page = _all(world.nj, "monitor_q_ranking", {"mode": "admin"})
    by = {(r["enterprises"], r["on_time"], r["late"]) for r in page.items}
    assert by == {(2, 1, 1), (1, 1, 0), (2, 0, 0)}   # 玄武's reviewer (A, B), 秦淮's (E), none yet (C, D)
    assert _all(world.qh, "monitor_q_ranking", {"mode": "admin"}).total == 1
    rows = _export_rows(world.nj, "monitor_q_ranking", {})
    assert len(rows) - 1 == _all(world.nj, "monitor_q_ranking", {}).total and rows[0][0] == "名次"
    with pytest.raises(ValidationFailed):
        _all(world.nj, "monitor_q_ranking", {"deadline": "六月十日"})


# --- 年度报送明细查询 ---------------------------------------------------------------------------
def test_longest_run() -> None:
    assert longest_run(set()) == 0 and longest_run({1, 2, 4, 5, 6, 12}) == 3 and longest_run({12}) == 1


def test_year_detail_runs_and_filters(world: World) -> None:
    page = _all(world.xw, "monitor_q_year_detail", {"year": 2026})
    by = {lists.value(r, "name"): r for r in page.items}
    assert _letters(world, page.items) == ["A", "B", "C", "D"]
    a, b, d = (by[world.names[k]] for k in "ABD")
    assert (a["accepted_months"], a["longest_run"]) == (4, 4) and (d["accepted_months"], d["longest_run"]) == (1, 1)
    assert (b["accepted_months"], b["longest_run"], b["m05"]) == (0, 0, "审核中")
    assert a["m05"] == "审核通过" and a["m01"] == "未填报" and a["m06"] == ""   # June is not yet a report month
    assert _letters(world, _all(world.xw, "monitor_q_year_detail", {"year": 2026, "run_from": 2}).items) == ["A"]
    assert _letters(world, _all(world.xw, "monitor_q_year_detail", {"year": 2026, "run_to": 0}).items) == ["B", "C"]
    assert _letters(world, _all(world.xw, "monitor_q_year_detail", {"year": 2026, "run_from": 1, "run_to": 1}).items) == ["D"]
    with pytest.raises(ValidationFailed):
        _all(world.xw, "monitor_q_year_detail", {"year": 2026, "run_from": 3, "run_to": 1})
    assert _all(world.xw, "monitor_q_year_detail", {"year": 2025}).items[0]["accepted_months"] == 0


def test_year_detail_jurisdiction_and_export(world: World) -> None:
    assert _letters(world, _all(world.qh, "monitor_q_year_detail", {"year": 2026}).items) == ["E"]
    assert _all(world.nj, "monitor_q_year_detail", {"year": 2026}).total == 5
    with pytest.raises(PermissionDenied):
        _all(world.qh, "monitor_q_year_detail", {"year": 2026, "region": "320102"})
    rows = _export_rows(world.nj, "monitor_q_year_detail", {"year": 2026, "run_from": 1})
    assert len(rows) - 1 == 3 and rows[0][-1] == "最长连续审核通过月数"


# --- 月度报送情况分析 ---------------------------------------------------------------------------
def test_three_sectors() -> None:
    assert [three_sector(d) for d in ("01", "05", "11", "34", "43", "47", "51", None)] == [
        "第一产业", "第三产业", "第三产业", "第二产业", "第三产业", "第二产业", "第三产业", ""]


def test_analysis_totals_shares_and_change(world: World) -> None:
    page = _all(world.nj, "monitor_q_analysis", {"category": "size"})
    total = page.items[0]
    assert total["group"] == "合计"
    assert (total["reported"], total["last_reported"], total["change"]) == (2, 2, 0)   # A, E; April: A, D
    assert (total["small_micro_share"], total["industrial_share"], total["below_scale_share"]) == (100.0, 100.0, 50.0)
    assert (total["industrial_small_micro_share"], total["construction_share"], total["agriculture_share"],
            total["tertiary_share"]) == (100.0, 0.0, 0.0, 0.0)
    assert [r["group"] for r in page.items[1:]] == ["中型", "小型"]   # D (April only), A and E
    late = _all(world.nj, "monitor_q_analysis", {"category": "econ", "deadline": dt.date(2026, 6, 20)}).items
    t = late[0]
    assert t["reported"] == 3 and t["small_micro_share"] == 66.67 and t["construction_share"] == 33.33
    assert t["below_scale_share"] == 33.33 and t["industrial_small_micro_share"] == 100.0
    econ = {r["group"]: r for r in late[1:]}
    assert econ["国有企业"]["reported"] == 1 and econ["私营企业"]["reported"] == 1 and econ["集体企业"]["last_reported"] == 1
    no_large = _all(world.nj, "monitor_q_analysis", {"deadline": dt.date(2026, 6, 20), "exclude_large": True}).items[0]
    assert no_large["reported"] == 2
    early = _all(world.nj, "monitor_q_analysis", {"last_deadline": dt.date(2026, 5, 1)}).items[0]
    assert (early["last_reported"], early["change"]) == (0, 2)


def test_analysis_by_region_jurisdiction_and_export(world: World) -> None:
    regions = {r["group"]: r for r in _all(world.nj, "monitor_q_analysis", {"category": "region"}).items}
    assert (regions["玄武区"]["reported"], regions["玄武区"]["change"]) == (1, -1)
    assert (regions["秦淮区"]["reported"], regions["秦淮区"]["change"]) == (1, 1)
    county = _all(world.xw, "monitor_q_analysis", {}).items[0]
    assert (county["reported"], county["last_reported"]) == (1, 2)
    assert _all(world.qh, "monitor_q_analysis", {}).items[0]["last_reported"] == 0
    with pytest.raises(PermissionDenied):
        _all(world.xw, "monitor_q_analysis", {"region": "320104"})
    page = _all(world.nj, "monitor_q_analysis", {"category": "industry"})
    rows = _export_rows(world.nj, "monitor_q_analysis", {"category": "industry"})
    assert len(rows) - 1 == page.total and rows[1][2] == "合计"


# --- the list engine's date filter ---------------------------------------------------------------
def test_date_filter_default_is_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "monitor_q_ranking.yaml"
    bad.write_text("code: monitor_q_ranking\ntitle: t\nsource: monitor_q_ranking\n"
                   "filters:\n  - {name: deadline, type: date, default: 下月十日}\ncolumns: [rank]\n", encoding="utf-8")
    assert [p.code for p in lists.check_file(bad)] == ["LS014"]
    good = tmp_path / "monitor_q_analysis.yaml"
    good.write_text("code: monitor_q_analysis\ntitle: t\nsource: monitor_q_analysis\n"
                    "filters:\n  - {name: deadline, type: date, default: 2026-06-10}\ncolumns: [group]\n", encoding="utf-8")
    assert lists.check_file(good) == []


# --- through the real 上报 path: the typed rows the service writes --------------------------------
def test_submitted_report_reaches_details_summary_and_products(chain) -> None:  # type: ignore[no-untyped-def]
    from tests.monitor.conftest import GOOD, filled, save
    period = reports.current_period()
    report_id = filled(chain.ent, period)
    save(chain.ent, report_id, "products", {"products": [
        {"name": "锅炉", "code": "G1", "unit": "台", "production": 4, "sales": 3, "stock": 1}]})
    reports.submit_report(chain.ent, report_id)
    row = _all(chain.nj, "monitor_q_details", {}).items[0]
    revenue = GOOD["revenue"] if not period.endswith("-01") else (120, 120, 100, 100)
    assert (row["i_revenue_cur_m"], row["i_revenue_cur_ytd"], row["status_label"]) == (revenue[0], revenue[1], "审核中")
    assert row["i_revenue_growth"] == round((revenue[1] - revenue[3]) / revenue[3] * 100, 2)
    total = _all(chain.nj, "monitor_q_summary", {"status": "reviewing"}).items[0]
    assert (total["enterprises"], total["i_revenue_cur_m"]) == (1, revenue[0])
    product = _all(chain.nj, "monitor_q_products", {}).items
    assert [(p["product_name"], p["product_unit"], p["product_production"]) for p in product] == [("锅炉", "台", 4)]
    ranked = {r["name"]: r for r in _all(chain.nj, "monitor_q_ranking", {}).items}
    assert ranked["玄武区"]["on_time"] + ranked["玄武区"]["late"] == 1
