"""Monitoring statistics: the summary kept current at 终审 and 退回 equals a rebuild, hand-computed page
data (region, 门类, size, growth, reporting rate), jurisdiction scope."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from db.engine import session_scope
from db.monitor_stats import INDICATORS, MEASURES, monitor_stat
from db.organisation import Organisation
from services.core.errors import PermissionDenied, ValidationFailed
from services.monitor import reports, review
from services.stats import monitor_stats as ms
from tests.factories import make_admin, make_enterprise_user
from tests.monitor.conftest import Chain, chain, filled  # noqa: F401  (fixture)


def _snapshot() -> dict[tuple[Any, ...], dict[str, Any]]:
    with session_scope(read=True) as s:
        return {tuple(r[k] for k in ms.KEY): {k: int(v) if k in MEASURES else v for k, v in r.items()}
                for r in s.execute(select(monitor_stat)).mappings() if r["n"]}


def _set_org(org_id: int, size: str, division: str) -> None:
    with session_scope() as s:
        s.execute(update(Organisation).where(Organisation.id == org_id).values(size=size, division_code=division))


def _accepted(c: Chain, ent: Any, period: str, revenue: tuple[int, int, int, int]) -> int:
    rid = filled(ent, period, {"revenue": revenue})
    assert reports.submit_report(ent, rid) == []
    for admin in (c.xw, c.nj, c.js, c.cn):
        review.accept(admin, rid)
    assert review.detail(c.cn, rid).status == "accepted"
    return rid


def test_indicators_come_from_the_definition(db: str) -> None:
    assert INDICATORS["revenue"] == ("营业收入", "千元") and INDICATORS["employees"] == ("从业人员", "人")
    assert "profit" in INDICATORS and "capacity" not in INDICATORS   # a percentage does not add up
    with session_scope(read=True) as s:
        columns = {c["name"] for c in __import__("sqlalchemy").inspect(s.connection()).get_columns("monitor_stat")}
    assert set(MEASURES) <= columns


def test_incremental_equals_rebuild_and_page_data(chain: Chain) -> None:  # noqa: F811
    c = chain
    period = reports.current_period()
    other, other_org = make_enterprise_user("320102")
    _set_org(c.org_id, "小型", "13")          # 13 农副食品加工业 → 门类 C
    _set_org(other_org, "微型", "51")         # 51 批发业 → 门类 F
    a = _accepted(c, c.ent, period, (120, 1200, 100, 1000))
    _accepted(c, other, period, (30, 300, 0, 0))
    assert _snapshot()[(period, "county", "320102", "C", "小型")]["revenue_cur_m"] == 120_000
    review.return_report(c.cn, a, "数据有误")           # leaves: −1
    assert (period, "county", "320102", "C", "小型") not in _snapshot()
    assert reports.submit_report(c.ent, a) == []         # corrected and accepted again: +1
    for admin in (c.xw, c.nj, c.js, c.cn):
        review.accept(admin, a)
    incremental = _snapshot()
    with session_scope() as s:
        ms.rebuild(s)
    assert _snapshot() == incremental and incremental   # kept current at every move = recomputed
    assert incremental[(period, "county", "320102", "*", "*")]["n"] == 2           # the marginal rows
    assert incremental[(period, "city", "320100", "C", "*")]["revenue_cur_m"] == 120_000
    assert incremental[(period, "province", "320000", "*", "微型")]["revenue_cur_m"] == 30_000

    total, counties = ms.region_figures(c.nj, None, period)    # 南京 admin: its own city by default
    assert (total.code, total.n) == ("320100", 2)
    assert total.value("revenue") == 150 and total.value("revenue", ytd=True) == 1500
    assert total.growth("revenue") == pytest.approx((150 - 100) / 100 * 100)
    assert total.growth("revenue", ytd=True) == pytest.approx(50.0)
    xw = next(r for r in counties if r.code == "320102")
    assert xw.n == 2 and next(r for r in counties if r.code == "320104").n == 0
    assert xw.value("employees") == 240                     # GOOD: 120 people each
    nation, provinces = ms.region_figures(c.cn, None, period)
    assert nation.n == 2 and len(provinces) == 34 and next(p for p in provinces if p.code == "320000").n == 2

    sections = {r.code: r for r in ms.industry_figures(c.js, None, period)}
    assert sections["C"].value("revenue") == 120 and sections["F"].value("revenue") == 30 and sections["A"].n == 0
    assert sections["F"].growth("revenue") is None          # last year 0 → no growth
    sizes = {r.code: r for r in ms.size_figures(c.xw, None, period)}
    assert (sizes["小型"].n, sizes["微型"].n, sizes["大型"].n) == (1, 1, 0)

    make_enterprise_user("320102")                          # expected but not reported
    make_enterprise_user("320104")
    ms.clear_expected_cache()                               # the counts are kept 10 minutes per process
    own, rates = ms.reporting_rates(c.nj, None, period)
    assert (own.reports, own.expected) == (2, 4) and own.rate == pytest.approx(50.0)
    by = {r.code: r for r in rates}
    assert (by["320102"].reports, by["320102"].expected) == (2, 3)
    assert by["320104"].rate == 0 and by["320105"].rate is None

    empty, _ = ms.region_figures(c.nj, None, "2001-01")
    assert empty.n == 0 and empty.growth("revenue") is None


def test_scope_and_input(chain: Chain) -> None:  # noqa: F811
    c = chain
    period = reports.current_period()
    with pytest.raises(PermissionDenied):
        ms.region_figures(c.nj, "320200", period)        # 南京 cannot ask for 无锡
    with pytest.raises(PermissionDenied):
        ms.industry_figures(c.nj, None if False else "320000", period)   # nor for its province
    with pytest.raises(PermissionDenied):
        ms.reporting_rates(make_admin("320200"), "320102", period)
    with pytest.raises(PermissionDenied):
        ms.size_figures(c.ent, None, period)             # an enterprise is no administrator
    with pytest.raises(ValidationFailed):
        ms.region_figures(c.nj, None, "2026-13")
