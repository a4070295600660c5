"""运行监测 queries (issue 18) as list declarations, against small hand-made data on both databases:
企业基本信息查询 (monitor_q_orgs) and 未报送企业查询 (monitor_q_unreported). Each: the rows a county /
city administrator sees (a county never sees another county), the filters, and an export whose
rows equal the announced total."""
from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
import pytest
from sqlalchemy import update

from db.engine import session_scope
from db.monitor import MonitorReport
from services import lists
from services.core.errors import PermissionDenied
from services.core.permissions import Actor
from services.forms import definitions
from services.monitor import reports
from tests.factories import make_admin, make_enterprise_user, make_org


def _all(actor: Actor, code: str, values: dict) -> lists.Page:  # type: ignore[type-arg]
    return lists.page(actor, code, values, 0)


def _export_rows(actor: Actor, code: str, values: dict) -> list[tuple]:  # type: ignore[type-arg]
    sheet = openpyxl.load_workbook(io.BytesIO(lists.export(actor, code, values))).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows


@dataclass
class World:
    xw: Actor        # 玄武区 (320102)
    qh: Actor        # 秦淮区 (320104)
    nj: Actor        # 南京市 (320100)
    period: str
    names: dict[str, str]   # letter -> organisation name


@pytest.fixture
def world(db: str) -> World:
    """玄武: A 未填报, B 编辑, C 审核中, D 退回, E 审核通过, F 冻结, H 解除冻结, P (registration pending: not
    monitored); 秦淮: G 未填报. Plus B's earlier month accepted (another month: no effect)."""
    definitions.sync_specs()
    period = reports.current_period()
    names: dict[str, str] = {}
    status = {"B": "editing", "C": "reviewing", "D": "returned", "E": "accepted", "F": "frozen", "H": "unfrozen"}
    ids: dict[str, int] = {}
    for letter in "ABCDEFH":
        ent, org_id = make_enterprise_user("320102")
        ids[letter] = org_id
        if letter in status:
            reports.open_report(ent, period)
            if letter == "B":
                reports.open_report(ent, reports.period_options()[1])
    _, ids["G"] = make_enterprise_user("320104")
    ids["P"] = make_org("320102", status="pending")
    with session_scope() as s:
        from db.organisation import Organisation
        for letter, org_id in ids.items():
            names[letter] = s.get(Organisation, org_id).name  # type: ignore[union-attr]
        for letter, st in status.items():
            s.execute(update(MonitorReport).where(MonitorReport.org_id == ids[letter], MonitorReport.period == period)
                      .values(status=st))
        s.execute(update(MonitorReport).where(MonitorReport.org_id == ids["B"], MonitorReport.period != period)
                  .values(status="accepted"))
    return World(make_admin("320102"), make_admin("320104"), make_admin("320100"), period, names)


def _names(w: World, page: lists.Page) -> set[str]:
    back = {v: k for k, v in w.names.items()}
    return {back[lists.value(r, "name")] for r in page.items}


# --- 未报送企业查询 ---------------------------------------------------------------------------
def test_unreported_lists_the_five_statuses_of_the_month_in_the_county(world: World) -> None:
    page = _all(world.xw, "monitor_q_unreported", {"period": world.period})
    assert page.total == 5 and _names(world, page) == {"A", "B", "D", "F", "H"}
    by = {lists.value(r, "name"): lists.value(r, "status_label") for r in page.items}
    n = world.names
    assert by == {n["A"]: "未填报", n["B"]: "编辑", n["D"]: "退回", n["F"]: "冻结", n["H"]: "解除冻结"}
    assert all(lists.value(r, "period") == world.period for r in page.items)
    # no period chosen = the current report month
    assert _all(world.xw, "monitor_q_unreported", {}).total == 5


def test_unreported_status_filter_and_other_month(world: World) -> None:
    only = _all(world.xw, "monitor_q_unreported", {"period": world.period, "status": "none"})
    assert _names(world, only) == {"A"}
    returned = _all(world.xw, "monitor_q_unreported", {"period": world.period, "status": "returned"})
    assert _names(world, returned) == {"D"}
    # the earlier month: B accepted there, every other approved enterprise of 玄武 never opened it
    earlier = _all(world.xw, "monitor_q_unreported", {"period": reports.period_options()[1]})
    assert _names(world, earlier) == {"A", "C", "D", "E", "F", "H"}
    assert {lists.value(r, "status_label") for r in earlier.items} == {"未填报"}


def test_unreported_jurisdiction(world: World) -> None:
    assert _names(world, _all(world.qh, "monitor_q_unreported", {"period": world.period})) == {"G"}
    city = _all(world.nj, "monitor_q_unreported", {"period": world.period})
    assert _names(world, city) == {"A", "B", "D", "F", "H", "G"}
    assert _names(world, _all(world.nj, "monitor_q_unreported", {"period": world.period, "region": "320104"})) == {"G"}
    with pytest.raises(PermissionDenied):
        _all(world.xw, "monitor_q_unreported", {"period": world.period, "region": "320104"})


def test_unreported_export_equals_total(world: World) -> None:
    values = {"period": world.period}
    total = _all(world.nj, "monitor_q_unreported", values).total
    rows = _export_rows(world.nj, "monitor_q_unreported", values)
    assert rows[0][:2] == ("报表月份", "企业名称")
    assert len(rows) - 1 == total == 6
    assert {r[1] for r in rows[1:]} == {world.names[k] for k in "ABDFHG"}


# --- 企业基本信息查询 -------------------------------------------------------------------------
def test_orgs_in_the_county_with_default_and_all_fields(world: World) -> None:
    page = _all(world.xw, "monitor_q_orgs", {})
    assert _names(world, page) == {"A", "B", "C", "D", "E", "F", "H", "P"} and page.total == 8
    row = next(r for r in page.items if lists.value(r, "name") == world.names["A"])
    assert lists.value(row, "usernames").startswith("qy") and lists.value(row, "size") == "小型"
    spec = lists.declaration("monitor_q_orgs")
    shown = [c.key for c in spec.columns if c.visible]
    assert shown[:2] == ["name", "usernames"]
    assert shown == ["name", "usernames", "region_name", "holding_type", "size", "contact_name"]
    keyword = _all(world.xw, "monitor_q_orgs", {"keyword": world.names["D"]})
    assert _names(world, keyword) == {"D"}
    # P has no account: 用户状态 正常 leaves it out
    assert _names(world, _all(world.xw, "monitor_q_orgs", {"status": "active"})) == set("ABCDEFH")


def test_orgs_jurisdiction(world: World) -> None:
    assert _names(world, _all(world.qh, "monitor_q_orgs", {})) == {"G"}
    assert _all(world.nj, "monitor_q_orgs", {}).total == 9
    with pytest.raises(PermissionDenied):
        _all(world.qh, "monitor_q_orgs", {"region": "320102"})


def test_orgs_export_has_every_field_and_equals_total(world: World) -> None:
    total = _all(world.nj, "monitor_q_orgs", {}).total
    rows = _export_rows(world.nj, "monitor_q_orgs", {})
    spec = lists.declaration("monitor_q_orgs")
    assert list(rows[0]) == [c.label for c in spec.columns]  # every data item, also those hidden on screen
    assert len(rows) - 1 == total == 9


# --- 企业信息变更查询 -------------------------------------------------------------------------
@dataclass
class Changes:
    xw: Actor
    qh: Actor
    nj: Actor
    names: dict[str, str]   # letter -> the name the enterprise registered with


def _change_name(ent: Actor, report_id: int, new: str) -> None:
    from tests.monitor.conftest import _basic, save
    save(ent, report_id, "basic", {**_basic(ent, report_id), "org_name": new})


@pytest.fixture
def changes(chain) -> Changes:  # type: ignore[no-untyped-def]
    """玄武: X changed its name, was refused (审核退回), changed again, was confirmed (审核通过); Y changed it
    (待审核). 秦淮: Z changed it (待审核). W (玄武) reported without a change: no record."""
    from services.monitor import review, reviewers
    qh = make_admin("320104")
    with session_scope() as s:
        reviewers.sync_reviewers(s)
    period = reports.current_period()
    y, y_org = make_enterprise_user("320102")
    z, z_org = make_enterprise_user("320104")
    w, _ = make_enterprise_user("320102")
    from db.organisation import Organisation
    with session_scope() as s:
        names = {k: s.get(Organisation, i).name for k, i in (("X", chain.org_id), ("Y", y_org), ("Z", z_org))}  # type: ignore[union-attr]
    rx = reports.open_report(chain.ent, period)
    _change_name(chain.ent, rx, "改名一号有限公司")
    review.reject_change(chain.xw, rx, "名称与营业执照不符")
    _change_name(chain.ent, rx, "改名二号有限公司")
    review.confirm_change(chain.xw, rx)
    _change_name(y, reports.open_report(y, period), "改名三号有限公司")
    _change_name(z, reports.open_report(z, period), "改名四号有限公司")
    reports.open_report(w, period)
    return Changes(chain.xw, qh, chain.nj, names)


def test_changes_statuses_from_the_decisions(changes: Changes) -> None:
    page = _all(changes.xw, "monitor_q_changes", {})
    assert page.total == 3
    assert sorted(lists.value(r, "status_label") for r in page.items) == sorted(["审核退回", "审核通过", "待审核"])
    returned = _all(changes.xw, "monitor_q_changes", {"status": "returned"})
    assert returned.total == 1
    row = returned.items[0]
    assert lists.value(row, "decision_reason") == "名称与营业执照不符" and "企业名称" in lists.value(row, "change")
    assert lists.value(row, "decided_by") and lists.value(row, "decided_at")
    assert _all(changes.xw, "monitor_q_changes", {"status": "accepted"}).total == 1
    pending = _all(changes.xw, "monitor_q_changes", {"status": "pending"})
    assert pending.total == 1 and lists.value(pending.items[0], "name") == changes.names["Y"]
    assert lists.value(pending.items[0], "decided_by") == ""
    # keyword: the registered name (X is now 改名二号 after the confirmed change)
    assert _all(changes.xw, "monitor_q_changes", {"keyword": "改名二号"}).total == 2
    # another month has none
    assert _all(changes.xw, "monitor_q_changes", {"period": reports.period_options()[1]}).total == 0


def test_changes_jurisdiction_and_export(changes: Changes) -> None:
    qh = _all(changes.qh, "monitor_q_changes", {})
    assert qh.total == 1 and lists.value(qh.items[0], "name") == changes.names["Z"]
    assert _all(changes.nj, "monitor_q_changes", {}).total == 4
    assert _all(changes.nj, "monitor_q_changes", {"region": "320104"}).total == 1
    with pytest.raises(PermissionDenied):
        _all(changes.xw, "monitor_q_changes", {"region": "320104"})
    rows = _export_rows(changes.nj, "monitor_q_changes", {})
    assert len(rows) - 1 == 4 and rows[0][:2] == ("报表月份", "企业名称")
    assert sorted(r[7] for r in rows[1:]) == sorted(["审核退回", "审核通过", "待审核", "待审核"])


# --- 年度报送企业数统计 -----------------------------------------------------------------------
def _year_months() -> tuple[int, str, str, str]:
    """A year with two fileable months a, b in it, and a fileable month of another year."""
    options = reports.period_options()
    year = options[12][:4]
    a, b = [o for o in options if o.startswith(year)][:2]
    other = next(o for o in options if not o.startswith(year))
    return int(year), a, b, other


@pytest.fixture
def counted(chain):  # type: ignore[no-untyped-def]
    """玄武: e1 a 审核通过, b 审核中 (other year 审核通过); e2 a 退回, b 审核通过; e3 a 编辑. 秦淮: e4 a 审核通过."""
    year, a, b, other = _year_months()
    e2, _ = make_enterprise_user("320102")
    e3, _ = make_enterprise_user("320102")
    e4, _ = make_enterprise_user("320104")
    plan = {(chain.ent, a): "accepted", (chain.ent, b): "reviewing", (chain.ent, other): "accepted",
            (e2, a): "returned", (e2, b): "accepted", (e3, a): "editing", (e4, a): "accepted"}
    ids = {key: reports.open_report(key[0], key[1]) for key in plan}
    with session_scope() as s:
        for key, st in plan.items():
            s.execute(update(MonitorReport).where(MonitorReport.id == ids[key]).values(status=st))
    return chain, make_admin("320104"), year, a, b


def _by_region(page: lists.Page, month: str) -> dict[str, tuple[int, int]]:
    m = int(month[5:])
    return {lists.value(r, "region_code"): (lists.value(r, f"m{m:02d}_reported"), lists.value(r, f"m{m:02d}_accepted"))
            for r in page.items}


def test_year_counts_per_subordinate_region(counted) -> None:  # type: ignore[no-untyped-def]
    chain, qh, year, a, b = counted
    city = _all(chain.nj, "monitor_q_year_counts", {"year": year})
    assert {lists.value(r, "region_code") for r in city.items} >= {"320102", "320104"}
    assert all(lists.value(r, "region_code").startswith("3201") for r in city.items)
    assert _by_region(city, a)["320102"] == (1, 1) and _by_region(city, b)["320102"] == (2, 1)
    assert _by_region(city, a)["320104"] == (1, 1) and _by_region(city, b)["320104"] == (0, 0)
    province = _all(chain.js, "monitor_q_year_counts", {"year": year})
    assert _by_region(province, a)["320100"] == (2, 2) and _by_region(province, b)["320100"] == (2, 1)
    # the other year's accepted month of e1 is not counted in this year
    total = sum(lists.value(r, f"m{m:02d}_accepted") for r in province.items for m in range(1, 13))
    assert total == 3


def test_year_counts_jurisdiction_and_export(counted) -> None:  # type: ignore[no-untyped-def]
    chain, qh, year, a, b = counted
    county = _all(chain.xw, "monitor_q_year_counts", {"year": year})
    assert [lists.value(r, "region_code") for r in county.items] == ["320102"]
    assert _by_region(county, b)["320102"] == (2, 1)
    other = _all(qh, "monitor_q_year_counts", {"year": year})
    assert _by_region(other, a) == {"320104": (1, 1)} and _by_region(other, b) == {"320104": (0, 0)}
    with pytest.raises(PermissionDenied):
        _all(qh, "monitor_q_year_counts", {"year": year, "region": "320102"})
    page = _all(chain.nj, "monitor_q_year_counts", {"year": year})
    rows = _export_rows(chain.nj, "monitor_q_year_counts", {"year": year})
    assert len(rows) - 1 == page.total and rows[0][:3] == ("年度", "地区代码", "地区")
    xw = next(r for r in rows[1:] if r[1] == "320102")
    m = int(b[5:])
    assert xw[3 + 2 * (m - 1)] == 2 and xw[4 + 2 * (m - 1)] == 1


def test_orgs_name_and_user_id_are_required_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = lists.declaration("monitor_q_orgs")
    assert [c.key for c in spec.columns if c.required] == ["name", "usernames"]
    bad = tmp_path / "monitor_q_orgs.yaml"
    bad.write_text("code: monitor_q_orgs\ntitle: t\nsource: monitor_q_orgs\n"
                   "columns:\n  - {key: name, required: true, visible: false}\n", encoding="utf-8")
    problems = lists.check_file(bad)
    assert any(p.code == "LS011" and "required" in p.message for p in problems)


def _orgs_script(actor) -> None:  # type: ignore[no-untyped-def]  # the source alone runs as the app
    from components.admin_list import admin_list
    from components.feedback import error_boundary
    with error_boundary():
        admin_list("monitor_q_orgs", actor, "t")


def test_orgs_page_keeps_name_and_user_id_whatever_is_chosen(sqlite_db: str) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.helpers import assert_clean
    make_enterprise_user("320102")
    at = AppTest.from_function(_orgs_script, args=(make_admin("320102"),), default_timeout=60).run()
    assert_clean(at)
    chooser = at.multiselect(key="t_cols")
    assert "name" not in chooser.options and "企业名称" not in chooser.options
    assert list(at.dataframe[0].value.columns) == ["企业名称", "企业用户ID", "所属地区", "控股情况", "企业规模", "联系人"]
    chooser.set_value(["industry"]).run()
    assert_clean(at)
    assert list(at.dataframe[0].value.columns) == ["企业名称", "企业用户ID", "所属行业"]
